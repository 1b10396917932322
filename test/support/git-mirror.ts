// A real git fixture for the clone looks (agent/steps/clone.ts): a source repository with two
// branches (`main`, one commit ahead of `other`), a bare mirror of it, and HEADS_SCRIPT run
// on its own in a real sh, as the tests' reference answer.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { HEADS_SCRIPT, uploadPack } from '../../agent/steps/clone';

/** git with a fixed identity (commits need one), output trimmed. */
export const git = (...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** Makes `<dir>/src` and its mirror `<dir>/mirror.git`; returns the mirror's path. */
export function makeMirror(dir: string): string {
  const src = join(dir, 'src');
  const mirror = join(dir, 'mirror.git');
  git('init', '-q', '-b', 'main', src);
  git('-C', src, 'commit', '-q', '--allow-empty', '-m', 'one');
  git('-C', src, 'branch', 'other');
  git('-C', src, 'commit', '-q', '--allow-empty', '-m', 'two');
  git('clone', '-q', '--mirror', src, mirror);
  return mirror;
}

/** HEADS_SCRIPT alone on `target` and `mirror`: its exit status and output. */
export function headsScript(target: string, mirror: string): { status: number | null; stdout: string } {
  const r = spawnSync('sh', ['-c', HEADS_SCRIPT, 'sh', target, mirror, uploadPack(mirror)], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout };
}
