// Issue 12, attack class "mirrors expose root-only repositories": a site whose infra_repo.url
// is a repository only root can read (/root/private.git), or one inside another person's
// 0700 home, validates, but converge does not produce a mirror anyone can read: mirrors are
// fetched by the unprivileged workstations-mirror account (agent/steps/clone.ts), so the
// fetch fails and the step says why. A URL beginning with "-" is refused at synth and by
// the agent. Nothing outside the attacker's own files changes.
import { stringify } from 'yaml';
import { mirrorPath } from '../../agent/steps/clone';
import { MIRROR_DIR } from '../../agent/paths';
import { parseSite } from '../../src/roster/load';
import { formatProblem } from '../../src/roster/problems';
import { useTestHost } from '../harness/host';
import type { TestHost } from '../harness/host';
import { describeE2E } from '../harness/skip';
import { encodeSpec } from '../../src/desired/host-specs';
import { renderLayer } from '../../src/claude-layer/render';
import { AGENT, CONFIG_BASE_REPO, linesOf } from './devvm/host-tools';
import { applyCast, castWithMallory, exampleCast, INFRA_REPO, siteFor, synthDevvm } from './devvm/stack';
import { GUARDED, treeChanges, treeState } from './devvm/tree-state';

const GIT_ENV = { GIT_AUTHOR_NAME: 'r', GIT_AUTHOR_EMAIL: 'r@example.invalid', GIT_COMMITTER_NAME: 'r', GIT_COMMITTER_EMAIL: 'r@example.invalid', GIT_CONFIG_GLOBAL: '/dev/null' };

/** A bare repo at `bare` holding one commit with `secret`; returns the commit id. */
async function privateRepo(h: TestHost, bare: string, secret: string, user?: string): Promise<string> {
  const work = `${bare}.work`;
  const env = { ...GIT_ENV, HOME: user ? `/home/${user}` : '/root' };
  await h.execOk(['git', 'init', '-q', '-b', 'main', work], { user, env });
  await h.execOk(['sh', '-c', 'printf "%s\\n" "$2" > "$1/secret.txt"', 'sh', work, secret], { user, env });
  await h.execOk(['git', '-C', work, 'add', '-A'], { user, env });
  await h.execOk(['git', '-C', work, 'commit', '-q', '-m', secret], { user, env });
  await h.execOk(['git', 'clone', '-q', '--bare', work, bare], { user, env });
  // World-readable inside: only the enclosing 0700 directory (/root, a home) keeps others out.
  await h.execOk(['chmod', '-R', 'a+rX', bare], { user, env });
  return (await h.execOk(['git', '-C', work, 'rev-parse', 'HEAD'], { user, env })).stdout.trim();
}

describeE2E('mirrors never widen access', () => {
  const host = useTestHost();

  it('a site pointing infra_repo at a root-only or another person\'s repository mirrors nothing anyone can read', async () => {
    const h = host();
    const roster = castWithMallory();
    await applyCast(h, roster);

    // The mirror of the (world-readable) fixture is the mirror account's, not root's.
    const infraMirror = await h.stat(mirrorPath(INFRA_REPO));
    expect(infraMirror.uid).toBe(Number((await h.execOk(['id', '-u', 'workstations-mirror'])).stdout.trim()));
    expect((await h.execOk(['find', MIRROR_DIR, '-mindepth', '1', '-user', 'root'])).stdout).toBe('');

    const rootCommit = await privateRepo(h, '/root/private.git', 'ROOT-ONLY-SECRET');
    const aliceCommit = await privateRepo(h, '/home/alice/private.git', 'ALICE-ONLY-SECRET', 'alice');
    expect((await h.stat('/root')).mode & 0o077).toBe(0);
    expect((await h.stat('/home/alice')).mode).toBe(0o700);

    for (const url of ['/root/private.git', '/home/alice/private.git']) {
      const site = siteFor(h) as { infra_repo: { url: string } };
      site.infra_repo.url = url;
      const synth = synthDevvm(h, roster, site); // it validates: a local path is a valid git URL
      const guarded = [...GUARDED, '/home/alice', '/home/wizard', '/home/emo'];
      const before = await treeState(h, guarded);

      const r = await h.exec(['node', AGENT, 'converge', synth.convergeArg.mallory], { timeoutMs: 180_000 });
      expect(r.code).toBe(1);
      const line = linesOf(r.stdout, 'mallory').find((l) => l.startsWith('mallory: infra-mirror:'));
      console.log(line); // the admin's view of the refusal
      expect(line).toMatch(new RegExp(`^mallory: infra-mirror: FAILED \\(workstations-mirror cannot fetch ${url} \\(a mirror holds only what anyone may read\\): `));
      expect(linesOf(r.stdout, 'mallory').find((l) => l.startsWith('mallory: infra-clone:'))).toBeUndefined();

      expect(await h.exists(mirrorPath(url))).toBe(false);
      // No mirror, no half-made temp: and no object of the private repo in any mirror, as mallory sees them.
      const mirrors = (await h.execOk(['find', MIRROR_DIR, '-mindepth', '1', '-maxdepth', '1'])).stdout.trim().split('\n');
      expect(mirrors).toEqual([mirrorPath(INFRA_REPO)]);
      for (const commit of [rootCommit, aliceCommit]) {
        const probe = await h.exec(['git', '-c', 'safe.directory=*', '--git-dir', mirrors[0], 'cat-file', '-e', commit], { user: 'mallory', env: { HOME: '/home/mallory' } });
        expect(probe.code).not.toBe(0);
      }
      const changes = treeChanges(before, await treeState(h, guarded)).filter((c) => !/ \/var\/lib\/workstations\/desired\/mallory\.json(:|$)/.test(c));
      expect(changes).toEqual([]);
    }
  });

  it('a mirror root made (before this design) is re-fetched by the mirror account, and clones still work', async () => {
    const h = host();
    const mirror = mirrorPath(INFRA_REPO);
    await h.execOk(['chown', '-R', 'root:root', mirror]);
    await h.execOk(['rm', '-f', `${mirror}/FETCH_STAMP`]);
    const synth = synthDevvm(h, (() => {
      const roster = castWithMallory();
      return roster;
    })());
    const r = await h.exec(['node', AGENT, 'converge', synth.convergeArg.alice], { timeoutMs: 180_000 });
    expect(r.code).toBe(0);
    expect(linesOf(r.stdout, 'alice')).toContain('alice: infra-mirror: changed (mirror re-fetched as workstations-mirror)');
    expect((await h.execOk(['find', mirror, '-user', 'root'])).stdout).toBe('');
    // Her clone borrows objects from the (swapped) mirror: still complete.
    await h.execOk(['git', '-C', '/home/alice/code', 'fsck', '--connectivity-only', '--no-progress'], { user: 'alice', env: { HOME: '/home/alice' } });
  });

  /** The claude-layer spec of the shipped layer with `configBase` in place of the site's. */
  function layerSpec(configBase: { url: string; path: string }): string {
    const layer = renderLayer();
    return encodeSpec({ files: layer.files, hookScripts: layer.hookScripts, configBase: { ...configBase, branch: 'main', dir: 'dot_claude' } });
  }

  it('the Config base is checked out by the mirror account: a root-only source is not checked out for anyone', async () => {
    const h = host();
    // The apply of the first test checked out the (world-readable) fixture: every file the account's.
    expect((await h.execOk(['find', '/opt/claude-config-base', '!', '-user', 'workstations-mirror'])).stdout).toBe('');
    const commit = await privateRepo(h, '/root/private-config.git', 'ROOT-CONFIG-SECRET');
    const guarded = [...GUARDED, '/opt', '/home/alice', '/home/wizard', '/home/emo', '/home/mallory'];
    const before = await treeState(h, guarded);

    const r = await h.exec(['node', AGENT, 'claude-layer', layerSpec({ url: '/root/private-config.git', path: '/opt/claude-config-private' })], { timeoutMs: 180_000 });
    expect(r.code).toBe(1);
    const line = r.stdout.split('\n').find((l) => l.startsWith('(claude-layer): config-base:'));
    console.log(line); // the admin's view of the refusal
    expect(line).toMatch(/^\(claude-layer\): config-base: FAILED \(workstations-mirror cannot fetch \/root\/private-config\.git \(the Config base holds only what anyone may read\): /);
    // Nothing checked out, no half-made temp, nothing of the secret anywhere a person reads.
    expect((await h.execOk(['find', '/opt', '-maxdepth', '1', '-name', 'claude-config-private*'])).stdout).toBe('');
    expect((await h.exec(['grep', '-rl', 'ROOT-CONFIG-SECRET', '/opt', '/etc/claude-code'])).stdout).toBe('');
    expect((await h.exec(['git', '-c', 'safe.directory=*', '-C', '/opt/claude-config-base', 'cat-file', '-e', commit], { user: 'mallory', env: { HOME: '/home/mallory' } })).code).not.toBe(0);
    expect(treeChanges(before, await treeState(h, guarded))).toEqual([]);
  });

  it('a Config base checkout root made (before this design) is re-cloned by the mirror account', async () => {
    const h = host();
    await h.execOk(['chown', '-R', 'root:root', '/opt/claude-config-base']);
    const r = await h.exec(['node', AGENT, 'claude-layer', layerSpec({ url: `file://${CONFIG_BASE_REPO}`, path: '/opt/claude-config-base' })], { timeoutMs: 180_000 });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain('(claude-layer): config-base: changed (re-cloned as workstations-mirror)');
    expect((await h.execOk(['find', '/opt/claude-config-base', '!', '-user', 'workstations-mirror'])).stdout).toBe('');
    // Readable by people (they read what the account could), writable by none of them.
    expect((await h.execOk(['cat', '/etc/claude-code/.claude/skills/review/SKILL.md'], { user: 'mallory' })).stdout).toContain('# review');
    expect((await h.exec(['touch', '/opt/claude-config-base/dot_claude/skills/mine'], { user: 'mallory' })).code).not.toBe(0);
    // A second run only fetches.
    const again = await h.exec(['node', AGENT, 'claude-layer', layerSpec({ url: `file://${CONFIG_BASE_REPO}`, path: '/opt/claude-config-base' })], { timeoutMs: 180_000 });
    expect(again.stdout).toMatch(/\(claude-layer\): config-base: ok \(at [0-9a-f]{8}\)/);
  });

  it('a git URL beginning with "-" is refused at synth and by the agent', async () => {
    const h = host();
    const url = '-uhttps@example.com:/x';
    const site = siteFor(h) as { infra_repo: { url: string } };
    site.infra_repo.url = url;
    const parsed = parseSite('site.yaml', stringify(site));
    expect(parsed.problems.map(formatProblem)).toEqual([expect.stringMatching(/^site\.yaml:\d+:\d+ infra_repo\.url: must not begin with "-" \(git would read it as an option\), got "-uhttps@example\.com:\/x"$/)]);

    const good = synthDevvm(h, exampleCast());
    const ws = JSON.parse(Buffer.from(good.convergeArg.wizard, 'base64').toString('utf8')) as { infra: { url: string } };
    ws.infra.url = url;
    const r = await h.exec(['node', AGENT, 'converge', Buffer.from(JSON.stringify(ws)).toString('base64')]);
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toMatch(/invalid input: infra\.url: must not begin with "-"/);
  });
});
