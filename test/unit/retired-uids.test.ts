// retired_uids bookkeeping: the pure comparison of the devvm's tombstones with the roster,
// the agent's answer parsing, the pinned known_hosts line, and the reminder after an apply.
import { knownHostsLine, parseTombstones, retiredUidReminders, tombstoneCheckLines, unretiredTombstoneWarnings } from '../../src/plan/retired-uids';
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

it('pins exactly the site host key, with the port when it is not 22', () => {
  expect(knownHostsLine({ host: '10.0.10.10', port: 22, host_key: 'ssh-ed25519 AAAAC3Nza root@devvm' })).toBe('10.0.10.10 ssh-ed25519 AAAAC3Nza\n');
  expect(knownHostsLine({ host: '127.77.0.1', port: 40022, host_key: 'ssh-ed25519 AAAAC3Nza' })).toBe('[127.77.0.1]:40022 ssh-ed25519 AAAAC3Nza\n');
});

it('after an apply that offboarded, names the uid to retire; a tainted retry names none', () => {
  const s = summarize([plan([account('zoe', 1004, 'delete'), account('bob', 1005, 'replace', 'replace_because_tainted')], ['terraform_data.account["bob"]'])]);
  expect(retiredUidReminders(s, 'roster/roster.yaml')).toEqual(['zoe was offboarded: add uid 1004 to roster/roster.yaml retired_uids (it must never be reused)']);
});
