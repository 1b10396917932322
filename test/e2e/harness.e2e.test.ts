// The harness's own promises: helpers behave, teardown leaves nothing behind (processes a
// test started inside the host included), and the copy fallback works where overlayfs
// would not.
import * as fs from 'node:fs';
import { startTestHost, TestHost } from '../harness/host';
import { mountsAtOrBelow } from '../harness/mounts';
import { isSameProcessAlive, ProcessRef, processesRootedAt } from '../harness/procs';
import { listRecords, recordPath } from '../harness/state';
import { describeE2E } from '../harness/skip';

async function expectFullyTornDown(h: TestHost, agentRef: ProcessRef): Promise<void> {
  expect(processesRootedAt(h.rootDir)).toEqual([]);
  expect(mountsAtOrBelow(h.privateDir)).toEqual([]);
  expect(fs.existsSync(h.privateDir)).toBe(false);
  expect(fs.existsSync(recordPath(h.id))).toBe(false);
  expect(isSameProcessAlive(agentRef)).toBe(false);
}

function agentOf(h: TestHost): ProcessRef {
  const rec = listRecords().find((r) => r.id === h.id);
  const agent = rec?.processes.find((p) => p.what === 'ssh-agent');
  if (!agent || !isSameProcessAlive(agent)) throw new Error(`no live ssh-agent recorded for ${h.id}`);
  return agent;
}

describeE2E('test-host harness', () => {
  it('runs commands as root or a user with a clean environment, and inspects files', async () => {
    const h = await startTestHost({ keep: false });
    try {
      expect(h.mode).toBe('overlay');
      expect(h.address).toMatch(/^127\.77\.\d+\.\d+$/);
      expect(h.hostKey).toMatch(/^ecdsa-sha2-nistp256 AAAA\S+$/);
      await h.execOk(['useradd', '-m', 'alice']);
      const env = await h.execOk(['env'], { user: 'alice' });
      expect(env.stdout).toContain('HOME=/home/alice');
      expect(env.stdout).not.toContain('SSH_AUTH_SOCK');
      expect((await h.execOk(['id', '-un'], { user: 'alice' })).stdout).toBe('alice\n');
      expect((await h.execOk(['pwd'], { user: 'alice', cwd: '/tmp' })).stdout).toBe('/tmp\n');
      expect((await h.execOk(['cat'], { input: 'via stdin' })).stdout).toBe('via stdin');
      const failed = await h.exec(['sh', '-c', 'echo oops >&2; exit 7']);
      expect(failed).toMatchObject({ code: 7, stderr: 'oops\n' });
      await expect(h.execOk(['sh', '-c', 'echo oops >&2; exit 7'])).rejects.toThrow(/exited with status 7[\s\S]*oops/);
      expect(await h.stat('/home/alice')).toMatchObject({ type: 'directory', mode: 0o755 });
      expect(await h.stat('/root')).toMatchObject({ type: 'directory', mode: 0o700, uid: 0, gid: 0 });
      expect(await h.exists('/etc/shadow')).toBe(true);
      expect(await h.exists('/nonexistent')).toBe(false);
      await expect(h.readFile('/nonexistent')).rejects.toThrow(/cannot read \/nonexistent/);
      // Absolute symlinks resolve inside the host, not on the machine running the tests.
      await h.execOk(['ln', '-s', '/etc/hostname', '/tmp/link']);
      expect(await h.readFile('/tmp/link')).toBe(await h.readFile('/etc/hostname'));
      expect((await h.stat('/tmp/link')).type).toBe('symlink');
    } finally {
      await h.stop();
    }
  });

  it('kills what tests started inside the host and removes every mount and temp dir', async () => {
    const h = await startTestHost({ keep: false });
    const agent = agentOf(h);
    await h.execOk(['useradd', '-m', 'bob']);
    // An orphaned background process, like a user's leftover session.
    await h.execOk(['sh', '-c', 'sleep 600 >/dev/null 2>&1 &'], { user: 'bob' });
    const inside = processesRootedAt(h.rootDir);
    expect(inside.length).toBeGreaterThanOrEqual(2); // sshd + sleep
    expect(mountsAtOrBelow(h.rootDir).length).toBeGreaterThan(5);
    await h.stop();
    await expectFullyTornDown(h, agent);
    expect(inside.filter(isSameProcessAlive)).toEqual([]);
  });

  it('falls back to a full copy of the cache when asked (DEVVM_TESTHOST_COPY=1)', async () => {
    process.env.DEVVM_TESTHOST_COPY = '1';
    let h: TestHost | undefined;
    try {
      h = await startTestHost({ keep: false });
    } finally {
      delete process.env.DEVVM_TESTHOST_COPY;
    }
    const agent = agentOf(h);
    expect(h.mode).toBe('copy');
    expect((await h.execOk(['git', '--version'])).stdout).toMatch(/^git version/);
    await h.stop();
    await expectFullyTornDown(h, agent);
  });
});
