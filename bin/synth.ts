// npm run synth -- [--roster FILE] [--site FILE]   (--help: every option)
// Validate, synthesize every stack, print the people table and the capacity arithmetic.
// Needs only Node (no network, no terraform). A failed validation or synth leaves
// cdktf.out untouched; saved plans survive.
import { synthesize, synthReport } from '../src/synth/synthesize';
import { SYNTH } from '../src/cli/commands';
import { runCommand } from './cli';

runCommand(SYNTH, (o) => {
  const paths = { roster: o.get('roster')!, site: o.get('site')! };
  process.stdout.write(synthReport(synthesize(paths), paths.site));
});
