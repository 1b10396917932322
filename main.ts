// cdktf entry point (cdktf.json "app"): `cdktf synth`, `cdktf diff`, `cdktf deploy`.
// Prefer `npm run synth`: it validates first and never leaves a half-written cdktf.out.
// Reads ROSTER and SITE (defaults roster/roster.yaml, roster/site.yaml); like every synth,
// needs no network and no terraform. The devvm stack's `config_base_commit` variable keeps
// its default ("unresolved") unless Terraform is given `-var config_base_commit=<sha>`.
import { buildApp } from './src/app';
import { inputPaths, loadInputs } from './src/roster/load';
import { InvalidInputError } from './src/roster/problems';

const paths = inputPaths([]);
try {
  const { app } = buildApp(loadInputs(paths.roster, paths.site), process.env.CDKTF_OUTDIR ?? 'cdktf.out');
  app.synth();
} catch (err) {
  if (err instanceof InvalidInputError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
