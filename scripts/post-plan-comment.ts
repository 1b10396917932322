// CI only: post (or update) the per-person plan summary on the pull request.
// node bin/launch.js scripts/post-plan-comment.ts plan-summary.md
// Environment: FORGE (forgejo | github, default forgejo), FORGE_TOKEN, FORGE_API_URL (Forgejo:
// https://<host>/api/v1; default for github https://api.github.com), and Woodpecker's CI_REPO,
// CI_COMMIT_PULL_REQUEST, CI_COMMIT_SHA, CI_PIPELINE_STATUS, CI_PIPELINE_URL.
import { existsSync, readFileSync } from 'node:fs';
import { commentBody, Forge, upsertComment } from '../src/ci/forge-comment';

async function main(): Promise<void> {
  const env = process.env;
  const forge = (env.FORGE || 'forgejo') as Forge;
  if (forge !== 'forgejo' && forge !== 'github') throw new Error(`FORGE must be forgejo or github, not ${forge}`);
  const apiUrl = env.FORGE_API_URL || (forge === 'github' ? 'https://api.github.com' : '');
  const missing = ['FORGE_TOKEN', 'CI_REPO', 'CI_COMMIT_PULL_REQUEST'].filter((k) => !env[k]);
  if (!apiUrl) missing.push('FORGE_API_URL');
  if (missing.length) throw new Error(`missing ${missing.join(', ')}`);
  const file = process.argv[2] ?? 'plan-summary.md';
  const summary = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const body = commentBody(env.CI_COMMIT_SHA ?? 'unknown', summary, env.CI_PIPELINE_STATUS === 'failure', env.CI_PIPELINE_URL ?? '');
  const did = await upsertComment(fetch, { forge, apiUrl, repo: env.CI_REPO!, pr: Number(env.CI_COMMIT_PULL_REQUEST), token: env.FORGE_TOKEN! }, body);
  process.stdout.write(`plan comment ${did} on ${forge} ${env.CI_REPO}#${env.CI_COMMIT_PULL_REQUEST}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
