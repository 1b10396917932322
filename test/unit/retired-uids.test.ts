// retired_uids bookkeeping: the pure comparison of the devvm's tombstones with the roster,
// the agent's answer parsing, the pinned known_hosts line, and the reminder after an apply.
import { knownHostsLine, parseTombstones, planTimeTombstoneCheck, whyFailed, retiredUidReminders, tombstoneCheckLines, unretiredTombstoneWarnings } from '../../src/plan/retired-uids';
import { summarize } from '../../src/plan/summary';
import { account, plan } from '../support/plan-fixtures';

const people = { wizard: { uid: 1000 }, emo: { uid: 1001 } } as never;
const tomb = (uid: number, date = '2026-11-30T08:12:00.000Z') => ({ uid, date });

describe('tombstones against the roster', () => {
  it('warns for a tombstoned uid that is neither a person nor retired', () => {
    expect(unretiredTombstoneWarnings({ zoe: tomb(1004), old: tomb(1003, '2026-01-02T00:00:00Z') }, { people, retired_uids: [] }, 'roster/roster.yaml')).toEqual([
      'warning: uid 1003 (offboarded old on 2026-01-02) is not in retired_uids: add it to roster/roster.yaml retired_uids',
      'warning: uid 1004 (offboarded zoe on 2026-11-30) is not in retired_uids: add it to roster/roster.yaml retired_uids',
    ]);
  });

  it('is quiet when the uid is retired, or a listed person holds it again (re-onboarded)', () => {
    expect(unretiredTombstoneWarnings({ zoe: tomb(1004), emo: tomb(1001) }, { people, retired_uids: [1004] }, 'r.yaml')).toEqual([]);
    expect(unretiredTombstoneWarnings({}, { people }, 'r.yaml')).toEqual([]);
  });

  it('an unreachable host is one line, and the plan goes on', () => {
    expect(tombstoneCheckLines({ ok: false, why: 'ssh: connect to host 127.0.0.1 port 9: Connection refused' }, { people }, 'r.yaml', '127.0.0.1:9')).toEqual([
      'note: could not read the offboarding tombstones from the devvm 127.0.0.1:9 (ssh: connect to host 127.0.0.1 port 9: Connection refused); retired_uids not checked against it',
    ]);
  });

  it('parses the agent answer and refuses anything else', () => {
    expect(parseTombstones('{"tombstones":{"zoe":{"uid":1004,"date":"2026-11-30T08:12:00.000Z"}}}\n')).toEqual({ zoe: tomb(1004) });
    expect(() => parseTombstones('{"tombstones":{"zoe":{"uid":"x"}}}')).toThrow('bad tombstone for zoe');
    expect(() => parseTombstones('{}')).toThrow('no "tombstones" object');
  });
});

it('knows exactly the site host keys, all of them, with the port when it is not 22', () => {
  const ecdsa = 'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBTESTKEY';
  const ed = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITESTKEY';
  expect(knownHostsLine({ host: '10.0.10.10', port: 22, host_keys: `# 10.0.10.10:22 SSH-2.0-OpenSSH_9.2p1\n10.0.10.10 ${ecdsa}\n10.0.10.10 ${ed}\n` }))
    .toBe(`10.0.10.10 ${ecdsa}\n10.0.10.10 ${ed}\n`);
  expect(knownHostsLine({ host: '127.77.0.1', port: 40022, host_key: `${ecdsa} root@devvm` })).toBe(`[127.77.0.1]:40022 ${ecdsa}\n`);
});

it('after an apply that offboarded, names the uid to retire; a tainted retry names none', () => {
  const s = summarize([plan([account('zoe', 1004, 'delete'), account('bob', 1005, 'replace', 'replace_because_tainted')], ['terraform_data.account["bob"]'])]);
  expect(retiredUidReminders(s, 'roster/roster.yaml')).toEqual(['zoe was offboarded: add uid 1004 to roster/roster.yaml retired_uids (it must never be reused)']);
});

it('never reaches for a non-loopback devvm in development mode, or when turned off', () => {
  const inputs = { roster: { version: 1, people: {} }, site: { devvm: { host: '10.0.10.10', port: 22, user: 'root', host_key: 'ssh-ed25519 AAAA' } } } as never;
  expect(planTimeTombstoneCheck(inputs, 'r.yaml', { WORKSTATIONS_LOCAL_STATE_DIR: '/tmp/x' })).toEqual([]);
  expect(planTimeTombstoneCheck(inputs, 'r.yaml', { WORKSTATIONS_NO_HOST_CHECK: '1' })).toEqual([]);
});

it('says in one line why the tombstones could not be read', () => {
  expect(whyFailed(255, 'ssh: connect to host 127.0.0.1 port 9: Connection refused\n')).toBe('ssh: connect to host 127.0.0.1 port 9: Connection refused');
  expect(whyFailed(255, 'Warning: x\nHost key verification failed.\n')).toBe('Host key verification failed.');
  expect(whyFailed(1, "node:internal/modules/cjs/loader:1080\n  throw err;\nError: Cannot find module '/usr/local/lib/workstations/agent.js'\n")).toBe(
    'the agent is not installed there yet (/usr/local/lib/workstations/agent.js)',
  );
  expect(whyFailed(2, 'agent: usage: agent.js host|...\n')).toBe('the agent there has no tombstones command yet (an apply installs this version)');
  expect(whyFailed(1, 'agent: host lock held\nError: EACCES\n')).toBe('agent.js tombstones exited 1: Error: EACCES');
});
