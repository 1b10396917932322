// CI only, in a step that holds no secret: refuse a pull request whose site moves a provider
// endpoint away from the trusted site (the target branch's), before any step with a token runs.
// node bin/launch.js scripts/check-endpoints.ts SITE TRUSTED_SITE
import { parseSite, readInput } from '../src/roster/load';
import { formatProblem } from '../src/roster/problems';
import { checkTrustedEndpoints } from '../src/ci/preflight';

const [siteFile, trustedFile] = process.argv.slice(2);
try {
  if (!siteFile || !trustedFile) throw new Error('usage: check-endpoints.ts SITE TRUSTED_SITE');
  const site = parseSite(siteFile, readInput(siteFile));
  if (!site.ok) throw new Error(site.problems.map(formatProblem).join('\n'));
  checkTrustedEndpoints(siteFile, site.value, trustedFile);
  process.stdout.write(`endpoints: ${siteFile} names the provider endpoints of ${trustedFile}\n`);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
