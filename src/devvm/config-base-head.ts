// The Config base's current commit, resolved at synth with `git ls-remote`, so that a
// commit pushed to the config-base repository changes the plan (and the next apply
// fast-forwards the devvm's checkout). Unreachable: reported, and the layer is still
// synthesized (its content hash alone then decides replacement).
import { execFileSync } from 'node:child_process';

export function resolveConfigBaseHead(url: string, branch: string): string | undefined {
  try {
    const out = execFileSync('git', ['ls-remote', '--heads', url, `refs/heads/${branch}`], {
      encoding: 'utf8',
      timeout: 15_000,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
    });
    const sha = out.split(/\s+/)[0];
    return /^[0-9a-f]{40}$/.test(sha) ? sha : undefined;
  } catch {
    return undefined;
  }
}
