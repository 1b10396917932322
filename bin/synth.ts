// npm run synth: validate, synthesize every stack, print the people table and the
// capacity arithmetic. A failed validation or synth leaves cdktf.out untouched.
import { inputPaths } from '../src/roster/load';
import { configBaseWarning, synthesize, synthReport } from '../src/synth/synthesize';
import { runCli } from './cli';

runCli(() => {
  const paths = inputPaths(process.argv.slice(2));
  const result = synthesize(paths);
  const warning = configBaseWarning(result);
  if (warning) process.stderr.write(warning);
  process.stdout.write(synthReport(result, paths.site));
});
