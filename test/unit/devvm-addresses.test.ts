// Where a person's devvm instances live (src/desired/devvm-addresses.ts): the shard is the
// first hex digit of sha256(os_user), the one the README's `printf %s emo | sha256sum | cut -c1`
// prints; byShard always yields all 16 shards; devvmBlockKind reads the kind of a shard or of
// the old unsharded block, and nothing else.
import { execFileSync } from 'node:child_process';
import { byShard, DEVVM_SHARDS, devvmAddress, devvmBlockKind, devvmBlockName, devvmShard, unshardedAddress } from '../../src/desired/devvm-addresses';

/** `printf %s <u> | sha256sum | cut -c1`, by the coreutils an admin runs. */
const shellShard = (u: string) => execFileSync('sh', ['-c', 'printf %s "$1" | sha256sum | cut -c1', 'sh', u], { encoding: 'utf8' }).trim();

describe('devvmShard', () => {
  it('is the first hex digit of sha256(os_user), as sha256sum prints it', () => {
    for (const u of ['emo', 'wizard', 'ancamilea', 'gheorghe', 'a', 'user-with-dash', 'x123456789012345678901234567890']) {
      expect(devvmShard(u)).toBe(shellShard(u));
    }
    // Pinned, so a change of hash or digit shows here (and would move every state).
    expect(['emo', 'wizard', 'ancamilea'].map(devvmShard)).toEqual(['d', '6', 'a']);
  });

  it('reaches every shard (2000 names: each shard between 60 and 200 of them)', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) counts.set(devvmShard(`u${i}`), (counts.get(devvmShard(`u${i}`)) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(DEVVM_SHARDS);
    for (const n of counts.values()) expect(n).toBeGreaterThan(60);
    for (const n of counts.values()) expect(n).toBeLessThan(200);
  });
});

describe('addresses', () => {
  it('a shard address and the unsharded one', () => {
    expect(devvmBlockName('account', '3')).toBe('account_3');
    expect(devvmAddress('account', 'emo')).toBe('terraform_data.account_d["emo"]');
    expect(devvmAddress('profile', 'wizard')).toBe('terraform_data.profile_6["wizard"]');
    expect(unshardedAddress('account', 'emo')).toBe('terraform_data.account["emo"]');
    expect(unshardedAddress('profile', 'emo')).toBe('terraform_data.profile["emo"]');
  });
});

describe('byShard', () => {
  it('returns all 16 shards in order, empty ones too, keys in their given order', () => {
    const groups = byShard([
      ['wizard', 1],
      ['emo', 2],
      ['ancamilea', 3],
      ['u0', 4],
    ] as const);
    expect(groups.map(([s]) => s)).toEqual('0123456789abcdef'.split(''));
    const shardOfU0 = devvmShard('u0');
    const expected = Object.fromEntries(DEVVM_SHARDS.map((s) => [s, [] as [string, number][]]));
    expected.d.push(['emo', 2]);
    expected['6'].push(['wizard', 1]);
    expected.a.push(['ancamilea', 3]);
    expected[shardOfU0].push(['u0', 4]);
    expect(Object.fromEntries(groups)).toEqual(expected);
  });

  it('keeps the given order of keys inside a shard', () => {
    const same = Array.from({ length: 200 }, (_, i) => `p${i}`).filter((u) => devvmShard(u) === '0');
    expect(same.length).toBeGreaterThan(2);
    const reversed = [...same].reverse();
    expect(byShard(reversed.map((u) => [u, u] as const))[0][1].map(([k]) => k)).toEqual(reversed);
  });

  it('of nothing: 16 empty shards', () => {
    expect(byShard([])).toEqual(DEVVM_SHARDS.map((s) => [s, []]));
  });
});

describe('devvmBlockKind', () => {
  it.each([
    ['account_3', 'account'],
    ['account_0', 'account'],
    ['profile_f', 'profile'],
    ['account', 'account'],
    ['profile', 'profile'],
  ])('%s is a %s block', (name, kind) => {
    expect(devvmBlockKind(name)).toBe(kind);
  });

  it.each(['account_g', 'account_10', 'accounts_3', 'accounts', 'account_F', 'account_', 'profile_ff', 'xaccount_3', 'host', 'accounts_ready', 'claude_layer', ''])(
    '%p is neither',
    (name) => {
      expect(devvmBlockKind(name)).toBeUndefined();
    },
  );
});
