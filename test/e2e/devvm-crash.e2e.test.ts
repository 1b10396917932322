// Crash safety (issue 5, e2e 7): the agent is SIGKILLed (with its whole process group:
// git, runuser) at seeded random moments of a converge that has real work to do; the
// state it leaves is never a partial file at a target path, and a re-run converges.
// A kill lands a random few ms after the agent reported its k-th step (k random), so the
// trials spread over every step, not only over Node's start-up. And agents started all at
// once (Terraform runs provisioners in parallel) take turns on the host lock.
import { spawn } from 'node:child_process';
import { renderKubeconfig } from '../../agent/steps/kubeconfig';
import { sliceDropIn } from '../../agent/steps/systemd';
import { encodeSpec } from '../../src/desired/host-specs';
import type { WorkstationState } from '../../src/desired/types';
import { prng } from '../support/prng';
import { TestHost, useTestHost } from '../harness/host';
import { chrootArgv } from '../harness/host-exec';
import { describeE2E } from '../harness/skip';
import { AGENT, agent, groupsOf, hostState } from './devvm/host-tools';
import { applyCast } from './devvm/stack';
import { SUBREAPER } from './devvm/subreaper';

const TRIALS = 24;
const SEED = 0xc0ffee;
const PEOPLE = ['wizard', 'emo', 'ancamilea'];
/** Leftovers of interrupted writes and clones, wherever the agent writes for people or the host. */
const LEFTOVER_DIRS = ['/home', '/etc', '/var/lib/workstations'];
const LEFTOVER = ['(', '-name', '.*.tmp-*', '-o', '-name', '.*.clone-*', ')'];

/** Two valid desired states per person that differ in every file the agent writes, and in groups. */
function variants(legacyOrNot: WorkstationState): [WorkstationState, WorkstationState] {
  const ws = { ...legacyOrNot, legacy: false }; // emo's legacy flag would keep removed groups
  const groups: WorkstationState['unixGroups'] = ws.unixGroups.length > 0 ? ['sudo'] : ['docker'];
  return [ws, { ...ws, memoryMax: '3G', unixGroups: groups, kubeconfig: { ...ws.kubeconfig, server: 'https://10.0.20.101:6443' } }];
}


/** Runs the agent in the host and SIGKILLs its process group `extraMs` after its `afterLines`-th output line. */
function convergeKilled(h: TestHost, b64: string, afterLines: number, extraMs: number): Promise<{ stdout: string; finished: boolean }> {
  const argv = chrootArgv(h.rootDir, ['perl', '-e', SUBREAPER, 'node', AGENT, 'converge', b64]);
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let pgid = 0;
    let armed = false;
    const arm = () => {
      armed = true;
      setTimeout(() => {
        try {
          process.kill(-pgid, 'SIGKILL'); // node, runuser, git, gpasswd: everything of the agent at once
        } catch {
          /* already exited */
        }
      }, extraMs);
    };
    const maybeArm = () => {
      if (!armed && pgid > 0 && stdout.split('\n').length - 1 >= afterLines) arm();
    };
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
      const m = /^pgid (\d+)$/m.exec(stderr);
      if (m) pgid = Number(m[1]);
      maybeArm();
    });
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
      maybeArm();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0 || pgid === 0) reject(new Error(`subreaper failed (exit ${code}): ${stderr}`));
      else resolve({ stdout, finished: /: units: /.test(stdout) });
    });
  });
}

async function readOrNull(h: TestHost, path: string): Promise<string | null> {
  return (await h.exists(path)) ? h.readFile(path) : null;
}

/** Every target is absent or whole: one of the two versions, or a complete clone. */
async function expectNoPartialFiles(h: TestHost, u: string, [a, b]: [WorkstationState, WorkstationState], mirrorHead: string) {
  const kube = await readOrNull(h, `/home/${u}/.kube/config`);
  expect([u, 'kubeconfig', [null, renderKubeconfig(a), renderKubeconfig(b)].includes(kube)]).toEqual([u, 'kubeconfig', true]);
  const slice = await readOrNull(h, `/etc/systemd/system/user-${a.uid}.slice.d/90-workstations-memory.conf`);
  expect([u, 'slice', [null, sliceDropIn(a), sliceDropIn(b)].includes(slice)]).toEqual([u, 'slice', true]);
  if (await h.exists(`/home/${u}/code`)) {
    expect(await h.exists(`/home/${u}/code/.git/workstations-clone`)).toBe(true);
    expect((await h.execOk(['git', '-C', `/home/${u}/code`, 'rev-parse', 'HEAD'], { user: u })).stdout.trim()).toBe(mirrorHead);
    expect((await h.execOk(['git', '-C', `/home/${u}/code`, 'status', '--porcelain'], { user: u })).stdout).toBe('');
  }
  await hostState(h); // parses
  JSON.parse(await h.readFile(`/var/lib/workstations/desired/${u}.json`));
}

describeE2E('devvm facet: crash safety and concurrency of the agent', () => {
  const host = useTestHost();
  const ws: Record<string, WorkstationState> = {};
  let mirrorHead: string;

  beforeAll(async () => {
    const h = host();
    Object.assign(ws, (await applyCast(h)).synth.workstation);
    mirrorHead = (await h.execOk(['git', '--git-dir', '/srv/git/infra.git', 'rev-parse', 'refs/heads/main'])).stdout.trim();
  });

  it(`7. ${TRIALS} seeded SIGKILLs mid-converge: no partial file, and every re-run converges`, async () => {
    const h = host();
    const rand = prng(SEED);
    const current: Record<string, number> = { wizard: 0, emo: 0, ancamilea: 0 };
    // Node's start-up (bundle load, lock, desired-state store) before the first step line.
    const t0 = Date.now();
    await h.execOk(['node', AGENT, 'status']);
    const startupMs = Date.now() - t0;

    const killedAt: string[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const u = PEOPLE[Math.floor(rand() * PEOPLE.length)];
      const both = variants(ws[u]);
      current[u] = 1 - current[u];
      const target = both[current[u]];
      if (rand() < 0.4) await h.execOk(['rm', '-rf', `/home/${u}/code`]);
      if (rand() < 0.25) await h.execOk(['rm', '-rf', `/home/${u}/.kube`]);
      // 0: during start-up; k >= 1: a few ms after step k (of 9) was reported.
      const afterLines = Math.floor(rand() * 9);
      const extraMs = Math.round(afterLines === 0 ? rand() * startupMs * 1.5 : rand() * 40);
      const killed = await convergeKilled(h, encodeSpec(target), afterLines, extraMs);
      const last = killed.stdout.trim().split('\n').pop() || '(no step yet)';
      killedAt.push(`${u} after ${afterLines} lines + ${extraMs} ms: ${killed.finished ? 'finished' : `killed after "${last}"`}`);
      await expectNoPartialFiles(h, u, both, mirrorHead);

      const rerun = await agent(h, ['converge', encodeSpec(target)]);
      const failures = rerun.stdout.split('\n').filter((l) => l.includes(': FAILED'));
      expect([trial, u, rerun.code, rerun.stderr, failures]).toEqual([trial, u, 0, '', []]);
      expect(await h.readFile(`/home/${u}/.kube/config`)).toBe(renderKubeconfig(target));
      expect(await h.readFile(`/etc/systemd/system/user-${target.uid}.slice.d/90-workstations-memory.conf`)).toBe(sliceDropIn(target));
      expect(await groupsOf(h, u)).toEqual([...target.unixGroups, u].sort());
      await expectNoPartialFiles(h, u, both, mirrorHead);
      const leftovers = await h.execOk(['find', ...LEFTOVER_DIRS, ...LEFTOVER]);
      expect([trial, u, leftovers.stdout]).toEqual([trial, u, '']);
    }
    // The kills must have landed mid-run, not only before start or after the end.
    const midRun = killedAt.filter((k) => k.includes('killed after') && !k.includes('(no step yet)'));
    expect([midRun.length >= TRIALS / 2, killedAt]).toEqual([true, killedAt]); // shows where kills landed if not
  });

  it('concurrent agents (as Terraform runs provisioners) take turns: no failure, no lost ledger update', async () => {
    const h = host();
    for (let round = 0; round < 6; round++) {
      const targets = PEOPLE.map((u) => variants(ws[u])[round % 2]);
      // Every person twice, all at once: six agents race for the host lock.
      const runs = await Promise.all([...targets, ...targets].map((t) => agent(h, ['converge', encodeSpec(t)])));
      const failures = runs.flatMap((r) => [...(r.code === 0 ? [] : [`exit ${r.code}: ${r.stderr}`]), ...r.stdout.split('\n').filter((l) => l.includes('FAILED'))]);
      expect([round, failures]).toEqual([round, []]);
      const ledger = (await hostState(h)).files;
      for (const t of targets) {
        const file = `/home/${t.osUser}/.kube/config`;
        expect(await h.readFile(file)).toBe(renderKubeconfig(t));
        const sum = (await h.execOk(['sha256sum', file])).stdout.split(' ')[0];
        expect([round, file, ledger[file]?.sha256]).toEqual([round, file, sum]);
      }
    }
  });
});

