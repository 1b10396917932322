// Issue 12, attack class "a FIFO hangs the agent holding the host lock": a hostile person
// puts FIFOs where the agent reads (~/.kube/config, a managed file in the ledger, and
// ~/code/.git/HEAD, read by git in their clone). Converge and status finish (bounded by
// each exec's timeoutMs: hitting it fails the test, nothing here is timed), that person's
// steps fail naming the path, and another person converges. Nothing outside the attacker's
// own files changes. Also: a held host lock makes a waiting agent give up with a message
// naming the holder.
import { useTestHost } from '../harness/host';
import type { TestHost } from '../harness/host';
import { describeE2E } from '../harness/skip';
import { AGENT, linesOf } from './devvm/host-tools';
import { applyCast, castWithMallory } from './devvm/stack';
import { GUARDED, treeChanges, treeState } from './devvm/tree-state';

/** The agent with a short command timeout: a blocked git is killed after 5 s. */
const agentWith = (h: TestHost, args: string[], env: Record<string, string> = {}) =>
  h.exec(['node', AGENT, ...args], { env: { WORKSTATIONS_CMD_TIMEOUT: '5', ...env }, timeoutMs: 180_000 });

describeE2E('a FIFO planted in a home never hangs the agent', () => {
  const host = useTestHost();

  it('fails only the attacker\'s steps, converges the others, and changes nothing else', async () => {
    const h = host();
    const roster = castWithMallory();
    const { synth } = await applyCast(h, roster);
    expect((await h.stat('/home/mallory/.kube/config')).type).toBe('file');

    await h.execOk(['sh', '-c', 'cd && rm .kube/config && mkfifo .kube/config && rm code/.git/HEAD && mkfifo code/.git/HEAD'], {
      user: 'mallory',
      env: { HOME: '/home/mallory' },
    });
    const guarded = [...GUARDED, '/home/alice', '/home/wizard', '/home/emo'];
    const before = await treeState(h, guarded);

    const r = await agentWith(h, ['converge', synth.convergeArg.mallory]);
    expect([r.code, r.signal]).toEqual([1, null]);
    const lines = linesOf(r.stdout, 'mallory');
    expect(lines).toContain('mallory: kubeconfig: FAILED (/home/mallory/.kube/config: is a FIFO, not a regular file: not read)');
    expect(lines).toContain(
      'mallory: infra-clone: FAILED (/sbin/runuser -u mallory -- git -C /home/mallory/code rev-parse HEAD --symbolic-full-name HEAD (after git ls-remote of the mirror): timed out after 5 s and was killed)',
    );
    // Every other step of hers still ran and reported.
    expect(lines.find((l) => l.startsWith('mallory: memory-slice:'))).toBeDefined();

    const other = await agentWith(h, ['converge', synth.convergeArg.alice]);
    expect(other.code).toBe(0);
    expect(linesOf(other.stdout, 'alice').filter((l) => l.includes('FAILED'))).toEqual([]);

    const status = await agentWith(h, ['status']);
    expect([status.code, status.signal]).toEqual([0, null]);
    expect(status.stdout).toMatch(/^mallory .*refused: \/home\/mallory\/\.kube\/config: is a FIFO, not a regular file: not read/m);
    expect(status.stdout).toMatch(/^alice .* no drift\s*$/m);

    expect(treeChanges(before, await treeState(h, guarded))).toEqual([]);
    // Her FIFOs are hers: kept, not replaced by root.
    expect((await h.stat('/home/mallory/.kube/config')).type).toBe('other');
    expect((await h.stat('/home/mallory/code/.git/HEAD')).type).toBe('other');
    // No process of hers (or of git for her) was left behind blocked on the FIFO. Zombies do
    // not count: runuser, on the timeout's SIGTERM, kills its child and exits without reaping
    // it, and pid 1 of the machine running these tests may not reap (systemd on the devvm does).
    const left = (await h.exec(['ps', '-u', 'mallory', '-o', 'pid=,stat=,args='])).stdout.trim().split('\n').filter(Boolean);
    expect(left.filter((l) => l.trim().split(/\s+/)[1] !== 'Z')).toEqual([]);
  });

  it('a held host lock: a waiting agent gives up, naming the holder pid and how long it held it', async () => {
    const h = host();
    // A live process holds the lock (the lock file names its pid).
    // (The agent is installed by the first test's apply.)
    const holder = h.exec(['sh', '-c', 'echo $$ > /var/lib/workstations/agent.lock && exec sleep 30']);
    let pid = '';
    for (let i = 0; i < 100 && !/^\d+\n?$/.test(pid); i++) {
      pid = (await h.exec(['cat', '/var/lib/workstations/agent.lock'])).stdout;
      if (!/^\d+\n?$/.test(pid)) await new Promise((res) => setTimeout(res, 100));
    }
    pid = pid.trim();
    try {
      const r = await agentWith(h, ['status'], { WORKSTATIONS_LOCK_WAIT: '2' });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        new RegExp(`^agent: host lock /var/lib/workstations/agent\\.lock is held by pid ${pid} \\(sleep 30\\), holding it for \\d+ s; gave up after waiting 2 s \\(WORKSTATIONS_LOCK_WAIT\\)$`, 'm'),
      );
    } finally {
      await h.exec(['kill', pid]);
      await holder;
      await h.exec(['rm', '-f', '/var/lib/workstations/agent.lock']);
    }
  });
});
