// npm run --silent validate -- [roster] [--site file]
import { derive } from '../src/desired/derive';
import { inputPaths, loadInputs } from '../src/roster/load';
import { summaryLine } from '../src/report/people';
import { runCli } from './cli';

runCli(() => {
  const paths = inputPaths(process.argv.slice(2));
  const inputs = loadInputs(paths.roster, paths.site);
  process.stdout.write(`${summaryLine(paths.roster, derive(inputs.roster, inputs.site))}\n`);
});
