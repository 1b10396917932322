// The systemd test host's own promises: it boots real systemd, its stock sshd offers the
// RSA, ECDSA and ed25519 keys the harness reports, and teardown leaves nothing running or
// mounted, also when the test process is SIGKILLed (the reaper stops the container).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { processesInPidNamespace } from '../harness/container';
import { mountsAtOrBelow } from '../harness/mounts';
import { isSameProcessAlive } from '../harness/procs';
import { run } from '../harness/run';
import { describeE2E } from '../harness/skip';
import { HostRecord, listRecords, recordPath } from '../harness/state';
import { startSystemdHost } from '../harness/systemd-host';

function recordOf(id: string): HostRecord {
  const rec = listRecords().find((r) => r.id === id);
  if (!rec?.container?.init || !rec.container.pidNamespace) throw new Error(`no container recorded for ${id}`);
  return rec;
}

function expectGone(rec: HostRecord): void {
  expect(isSameProcessAlive(rec.container!.nspawn)).toBe(false);
  expect(processesInPidNamespace(rec.container!.pidNamespace!)).toEqual([]);
  expect(rec.processes.filter(isSameProcessAlive)).toEqual([]);
  expect(mountsAtOrBelow(rec.tempDir)).toEqual([]);
  expect(fs.existsSync(rec.tempDir)).toBe(false);
  expect(fs.existsSync(recordPath(rec.id))).toBe(false);
}

describeE2E('systemd test-host harness', () => {
  it('boots systemd, serves stock host keys of every type, and tears down completely', async () => {
    const h = await startSystemdHost({ keep: false });
    const rec = recordOf(h.id);
    try {
      expect((await h.execOk(['cat', '/proc/1/comm'])).stdout.trim()).toBe('systemd');
      expect(['running', 'degraded']).toContain((await h.exec(['systemctl', 'is-system-running'])).stdout.trim());
      expect((await h.execOk(['systemctl', 'is-active', 'ssh.service', 'systemd-logind.service', 'dbus.service'])).stdout.split('\n').filter(Boolean))
        .toEqual(['active', 'active', 'active']);
      const scan = await run(['ssh-keyscan', '-p', String(h.port), '-t', 'rsa,ecdsa,ed25519', h.address]);
      const offered = scan.stdout.trim().split('\n').map((l) => l.split(' ').slice(1).join(' ')).sort();
      expect(offered).toEqual([h.hostKeys.ecdsa, h.hostKeys.ed25519, h.hostKeys.rsa].sort());
      expect(h.hostKey).toBe(h.hostKeys.ecdsa);
      expect(h.hostKeys.rsa).toMatch(/^ssh-rsa /);
      expect(h.hostKeys.ed25519).toMatch(/^ssh-ed25519 /);
      expect((await h.ssh('root', ['id', '-un'])).stdout).toBe('root\n');
      // A process a test leaves behind inside the container.
      await h.execOk(['useradd', '-m', 'bob']);
      await h.execOk(['systemd-run', '--uid=bob', '--unit=leftover', 'sleep', '600']);
      expect(processesInPidNamespace(rec.container!.pidNamespace!).length).toBeGreaterThan(5);
    } finally {
      await h.stop();
    }
    expectGone(rec);
  });

  it('a SIGKILLed test process leaves no container behind: the reaper stops it', async () => {
    const repo = path.join(__dirname, '..', '..');
    const script = [
      `import { startSystemdHost } from ${JSON.stringify(path.join(repo, 'test/harness/systemd-host.ts'))};`,
      'startSystemdHost({ keep: false }).then((h) => { process.stdout.write(h.id + "\\n"); setInterval(() => undefined, 1000); });',
    ].join('\n');
    const file = path.join(os.tmpdir(), `devvm-systemd-harness-owner-${process.pid}.ts`);
    fs.writeFileSync(file, script);
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] });
      const id = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (b: Buffer) => {
          out += b.toString();
          if (out.includes('\n')) resolve(out.trim());
        });
        child.on('exit', (code) => reject(new Error(`owner exited (${code}) before starting a host`)));
      });
      const rec = recordOf(id);
      expect(isSameProcessAlive(rec.container!.nspawn)).toBe(true);
      child.kill('SIGKILL');
      // The reaper polls every 200 ms; give it a generous bound, not a timing assertion.
      for (let i = 0; i < 600 && fs.existsSync(recordPath(id)); i++) await new Promise((r) => setTimeout(r, 100));
      expectGone(rec);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});
