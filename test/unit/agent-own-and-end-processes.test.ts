// Roster keys that name Object.prototype members (os_user `constructor`, `__proto__`-like
// keys) are plain keys for the agent's state lookups; and offboarding's bounded process
// ending (injected process lister: no real process is signalled here).
import { deleteOwn, own, setOwn } from '../../agent/own';
import { endProcessesOf, MAX_ROUNDS, parseStatus, ProcessOps } from '../../agent/end-processes';
import { emptyState } from '../../agent/host-state';

describe('own(): roster keys never reach the prototype', () => {
  const tomb = { uid: 1001, date: '2026-01-01', archive: '/a', sha256: 'x' };
  it.each(['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf', '__defineGetter__'])('%s is absent in an empty state', (key) => {
    const state = emptyState();
    expect(own(state.tombstones, key)).toBeUndefined();
    expect(own(state.ports, key)).toBeUndefined();
    // What the old lookup answered (a truthy prototype member for most of them):
    if (key !== '__proto__') expect((state.tombstones as Record<string, unknown>)[key]).toBeDefined();
  });
  it.each(['constructor', '__proto__', 'toString'])('%s can be set, read, listed and deleted as an own key', (key) => {
    const state = emptyState();
    setOwn(state.tombstones, key, tomb);
    expect(own(state.tombstones, key)).toEqual(tomb);
    expect(Object.keys(state.tombstones)).toEqual([key]);
    expect(Object.getPrototypeOf(state.tombstones)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(state)).tombstones).toEqual(key === '__proto__' ? JSON.parse(`{"__proto__":${JSON.stringify(tomb)}}`) : { [key]: tomb });
    deleteOwn(state.tombstones, key);
    expect(own(state.tombstones, key)).toBeUndefined();
    expect(typeof ({} as Record<string, unknown>).constructor).toBe('function'); // the prototype is untouched
  });
});

/** A fake host: `alive` pids of the uid; a kill-all round may spawn new children (fork walker). */
function fakeOps(opts: { alive: number[]; respawn?: number; unkillable?: number[] }) {
  let alive = new Set(opts.alive);
  let next = 10_000;
  let respawn = opts.respawn ?? 0;
  const calls = { killAll: 0, kill: 0, sleep: 0, list: 0 };
  const ops: ProcessOps = {
    list: () => (calls.list++, [...alive].sort((a, b) => a - b)),
    killAllAs: () => {
      calls.killAll++;
      alive = new Set([...alive].filter((p) => opts.unkillable?.includes(p)));
      // A child forked just before the walk reached its parent... appears after the round.
      if (respawn > 0) (respawn--, alive.add(next++));
    },
    kill: (pid) => {
      calls.kill++;
      if (!opts.unkillable?.includes(pid)) alive.delete(pid);
    },
    sleep: () => void calls.sleep++,
  };
  return { ops, calls };
}

describe('endProcessesOf (bounded, until two scans in a row find nothing)', () => {
  it('nothing seen: still two kill-all rounds (a walker can slip through every scan)', () => {
    const { ops, calls } = fakeOps({ alive: [] });
    expect(endProcessesOf(1777, 1777, ops)).toEqual({ killed: 0, rounds: 2, survivors: [] });
    expect(calls.killAll).toBe(2);
  });
  it('a walker that reappears 5 times is ended, and two clean scans end the loop', () => {
    const { ops } = fakeOps({ alive: [100, 101], respawn: 5 });
    const r = endProcessesOf(1777, 1777, ops);
    expect(r.survivors).toEqual([]);
    expect(r.killed).toBe(2 + 5);
    expect(r.rounds).toBe(7); // 6 rounds with something to kill, then one more clean scan
  });
  it('a process that cannot be killed is a survivor after MAX_ROUNDS, never an endless loop', () => {
    const { ops, calls } = fakeOps({ alive: [100, 200], unkillable: [200] });
    const r = endProcessesOf(1777, 1777, ops);
    expect(r).toEqual({ killed: 2, rounds: MAX_ROUNDS, survivors: [200] });
    expect(calls.sleep).toBe(MAX_ROUNDS);
  });
  it('a walker faster than every round is reported, not ignored', () => {
    const { ops } = fakeOps({ alive: [100], respawn: 1_000 });
    expect(endProcessesOf(1777, 1777, ops, 10).survivors).toHaveLength(1);
  });
  it('refuses uid 0 (kill -1 as root would end the host)', () => {
    expect(() => endProcessesOf(0, 0, fakeOps({ alive: [] }).ops)).toThrow(/refusing/);
  });
  it('parses /proc/<pid>/status: all four uids, zombies', () => {
    expect(parseStatus('Name:\tsleep\nState:\tS (sleeping)\nUid:\t1777\t1777\t1777\t1777\n')).toEqual({ uids: [1777, 1777, 1777, 1777], zombie: false });
    expect(parseStatus('State:\tZ (zombie)\nUid:\t0\t1777\t0\t0\n')).toEqual({ uids: [0, 1777, 0, 0], zombie: true });
  });
});

describe("offboarding's processes step", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { endProcesses } = require('../../agent/steps/offboard') as typeof import('../../agent/steps/offboard');
  const ctx = { dryRun: false } as import('../../agent/context').Context;
  it('a survivor makes the step FAILED and says how many', () => {
    const { ops } = fakeOps({ alive: [100, 200], unkillable: [200] });
    expect(endProcesses(ctx, 'mallory', 1777, 1777, ops)).toEqual({ kind: 'failed', why: `survivors: 1 (pids 200) still running after ${MAX_ROUNDS} rounds of kill -KILL` });
  });
  it('a fork walker is ended', () => {
    const { ops } = fakeOps({ alive: [100], respawn: 3 });
    expect(endProcesses(ctx, 'mallory', 1777, 1777, ops)).toEqual({ kind: 'changed', detail: '4 process(es) of mallory seen; none left after 5 rounds of kill -KILL' });
  });
});
