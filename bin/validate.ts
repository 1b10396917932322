// npm run --silent validate -- [--roster FILE] [--site FILE]   (--help: every option)
// First: stand-ins for parts of cdktf (src/synth/before-cdktf.ts), so nothing may load cdktf before.
import '../src/synth/before-cdktf';
import { derive } from '../src/desired/derive';
import { loadInputs } from '../src/roster/load';
import { summaryLine } from '../src/report/people';
import { VALIDATE } from '../src/cli/commands';
import { runCommand } from './cli';

runCommand(VALIDATE, (o) => {
  const roster = o.get('roster')!;
  const inputs = loadInputs(roster, o.get('site')!);
  process.stdout.write(`${summaryLine(roster, derive(inputs.roster, inputs.site))}\n`);
});
