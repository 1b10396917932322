// The devvm stack moved its per-person instances from one for_each block per kind
// (`terraform_data.account` / `profile`, keyed by os_user) to 16 shard blocks
// (`account_<h>` / `profile_<h>`, src/desired/devvm-addresses.ts), with `moved` blocks.
// The devvm stack is nothing but the built-in terraform_data, so the REAL configurations
// are applied and planned here with the real Terraform: the old layout is the recorded
// synth of commit ef34274 (test/fixtures/devvm-unsharded/), the new one is today's synth of
// the same example inputs. There is no host to reach: every provisioner becomes a local-exec
// that logs which one ran (block, key, ordinal, destroy-time or not) and the connections go;
// provisioners are not in the state, so the plans are those of the real stack, and the log
// shows what would have run on the devvm (onboard, converge, offboard).
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devvmAddress, devvmShard, unshardedAddress, type DevvmBlockKind } from '../../src/desired/devvm-addresses';
import { checkGuards } from '../../src/plan/guards';
import type { PlanJson } from '../../src/plan/plan-json';
import { renderSummary, summarize } from '../../src/plan/summary';
import { useLocalBackend } from '../../src/plan/terraform';
import { parseRoster } from '../../src/roster/load';
import { formatProblem } from '../../src/roster/problems';
import { EXAMPLE_ROSTER_TEXT, exampleInputs, exampleSite, FIXTURE_ROSTER, REPO_ROOT } from '../support/inputs';
import { synthDevvm, TfJson } from '../support/synth';
import { hasTerraform } from '../support/terraform';
import { previousShardLayout } from '../support/devvm-previous-layout';

type Body = Record<string, unknown>;
type Change = { address: string; previous_address?: string; type: string; name: string; index?: string; change: { actions: string[]; before: Body | null; after: Body | null } };

const OLD_TEXT = readFileSync(join(REPO_ROOT, 'test/fixtures/devvm-unsharded/cdk.tf.json'), 'utf8');
const agentSha = (tf: TfJson) => (tf.resource.terraform_data.host.triggers_replace as Body).agent_sha256 as string;

/**
 * The recorded old layout, with ONE value normalised: the agent's sha256 (a replace trigger
 * of the host and of every profile) becomes today's: the recorded bundle's hash is not
 * today's, and any agent change shows as a replace of every profile (a re-converge by
 * design, nothing to do with the move).
 */
function oldLayout(current: TfJson): TfJson {
  const old = JSON.parse(OLD_TEXT) as TfJson;
  return JSON.parse(OLD_TEXT.split(agentSha(old)).join(agentSha(current))) as TfJson;
}

/**
 * The config with every provisioner replaced by a local-exec appending
 * `<block>[<key>] <ordinal>[ destroy]` to `log`, and no connection (see the header). With
 * `args`, each line ends with the agent's argument as Terraform evaluates it for that
 * instance (the `${...}` of the remote-exec's command, `-` for the host's file upload).
 */
function logging(tf: TfJson, log: string, opts: { args?: boolean } = {}): TfJson {
  const copy = JSON.parse(JSON.stringify(tf)) as TfJson;
  for (const [name, body] of Object.entries(copy.resource.terraform_data)) {
    delete body.connection;
    if (!body.provisioner) continue;
    const provisioners = body.provisioner as Record<string, Body>[];
    body.provisioner = provisioners.map((p, i) => {
      const when = Object.values(p)[0].when as string | undefined;
      const inline = (Object.values(p)[0].inline as string[] | undefined)?.[0] ?? '';
      const arg = opts.args ? ` ${inline.includes('${') ? inline.slice(inline.indexOf('${')) : '-'}` : '';
      const line = `${name}${body.for_each ? '[${each.key}]' : ''} ${i}${when ? ` ${when}` : ''}${arg}`;
      return { 'local-exec': { command: `printf '%s\\n' '${line}' >> '${log}'`, ...(when ? { when } : {}) } };
    });
  }
  return copy;
}

/** Example inputs without one person (their row removed from the fixture roster). */
function inputsWithout(osUser: string) {
  const text = EXAMPLE_ROSTER_TEXT.replace(new RegExp(`^  ${osUser}:\\n(?:    .*\\n)+`, 'm'), '');
  if (text === EXAMPLE_ROSTER_TEXT) throw new Error(`no row ${osUser} in ${FIXTURE_ROSTER}`);
  const r = parseRoster(FIXTURE_ROSTER, text, exampleSite());
  if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
  return { roster: r.value, site: exampleSite() };
}

/** One stack directory with a local state (the PG backend replaced as `npm run plan --local` does). */
class Stack {
  readonly dir = mkdtempSync(join(tmpdir(), 'dw-devvm-moved-'));
  private readonly env = { ...process.env, TF_IN_AUTOMATION: '1', TF_INPUT: '0', TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1' };
  constructor() {
    const stack = 'workstations-devvm';
    useLocalBackend({ stack, dir: this.dir, planFile: '', planJsonFile: '', applyLogFile: '' }, this.dir);
  }
  readonly log = join(this.dir, 'provisioners.log');
  /** The provisioners that ran since the last call, in order, and a fresh log. */
  ran(): string[] {
    const lines = existsSync(this.log) ? readFileSync(this.log, 'utf8').split('\n').filter(Boolean) : [];
    rmSync(this.log, { force: true });
    return lines;
  }
  get stateFile() {
    return join(this.dir, 'workstations-devvm.tfstate');
  }
  tf(...args: string[]): string {
    const [command, ...rest] = args;
    return execFileSync('terraform', [command, '-input=false', '-no-color', ...rest], { cwd: this.dir, env: this.env, encoding: 'utf8', stdio: 'pipe' });
  }
  /** `terraform taint` (it takes no -input). */
  taint(address: string) {
    execFileSync('terraform', ['taint', address], { cwd: this.dir, env: this.env, stdio: 'pipe' });
  }
  /** With `args`, the log lines end with the agent's arguments (logging()). */
  args = false;
  write(config: TfJson) {
    writeFileSync(join(this.dir, 'cdk.tf.json'), JSON.stringify(logging(config, this.log, { args: this.args }), null, 2));
  }
  /** `terraform plan -out` (the text Terraform prints) and its `show -json`. */
  plan(config: TfJson): { text: string; json: PlanJson; changes: Change[] } {
    this.write(config);
    const text = this.tf('plan', '-refresh=false', '-out=tfplan');
    const json = JSON.parse(execFileSync('terraform', ['show', '-json', 'tfplan'], { cwd: this.dir, env: this.env, encoding: 'utf8' }));
    return { text, json, changes: json.resource_changes as Change[] };
  }
  /** `plan -detailed-exitcode`: 0 no changes, 2 changes. */
  planExitCode(config: TfJson): { code: number | null; text: string } {
    this.write(config);
    const r = spawnSync('terraform', ['plan', '-refresh=false', '-detailed-exitcode', '-input=false', '-no-color'], { cwd: this.dir, env: this.env, encoding: 'utf8' });
    return { code: r.status, text: r.stdout + r.stderr };
  }
  dispose() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const current = synthDevvm(exampleInputs());
const old = oldLayout(current);
const people = Object.keys((old.locals as Record<string, Body>).accounts).sort();
const KINDS: DevvmBlockKind[] = ['account', 'profile'];

describe('the recorded unsharded layout (test/fixtures/devvm-unsharded)', () => {
  it('is one for_each block per kind over locals.accounts / locals.profiles', () => {
    const td = old.resource.terraform_data;
    expect(Object.keys(td).sort()).toEqual(['account', 'accounts_ready', 'claude_layer', 'host', 'profile']);
    expect([td.account.for_each, td.profile.for_each]).toEqual(['${local.accounts}', '${local.profiles}']);
    expect(old.moved).toBeUndefined();
    expect(people).toEqual(['ancamilea', 'emo', 'wizard']);
  });

  it("was made from today's example inputs: the shards' locals folded together are its locals, entry for entry", () => {
    // If this fails, the fixture roster or derive() changed: re-record (test/fixtures/README.md).
    const locals = current.locals as Record<string, Record<string, string>>;
    for (const kind of ['accounts', 'profiles']) {
      const folded: Record<string, string> = Object.assign({}, ...'0123456789abcdef'.split('').map((h) => locals[`${kind}_${h}`]));
      // An account's text holds its spec (the old entry) and, since, the connection.
      const entries = kind === 'accounts' ? Object.fromEntries(Object.entries(folded).map(([u, t]) => [u, JSON.stringify((JSON.parse(t) as { account: unknown }).account)])) : folded;
      expect(entries).toEqual((old.locals as Body)[kind]);
    }
  });

  it("and today's synth has a moved block for each of its instances", () => {
    const expected = people.flatMap((u) => KINDS.map((k) => ({ from: unshardedAddress(k, u), to: devvmAddress(k, u) })));
    expect([...(current.moved as unknown[])].sort()).toEqual(expect.arrayContaining(expected));
    expect(current.moved).toHaveLength(expected.length);
  });
});

(hasTerraform || process.env.CI === 'true' ? describe : describe.skip)('real Terraform 1.11.4: a state of the unsharded layout', () => {
  let base: Stack;
  let onboarding: string[];
  beforeAll(() => {
    base = new Stack();
    base.write(old);
    base.tf('init');
    base.tf('apply', '-auto-approve');
    onboarding = base.ran();
  }, 60_000);
  afterAll(() => base?.dispose());

  /** A fresh directory whose state is a copy of the applied old layout's. */
  function fromOldState(): Stack {
    const s = new Stack();
    copyFileSync(base.stateFile, s.stateFile);
    s.write(old);
    s.tf('init');
    return s;
  }

  it('applying the old layout ran every create-time provisioner (the log works)', () => {
    expect(onboarding).toEqual(expect.arrayContaining(people.flatMap((u) => [`account[${u}] 0`, `account[${u}] 1`, `profile[${u}] 0`])));
    expect(onboarding.filter((l) => l.endsWith('destroy'))).toEqual([]);
  });

  it('moves to the shard blocks: accounts rewritten in place, profiles re-converged once; no account created or destroyed; a second plan is empty', () => {
    const s = fromOldState();
    try {
      const { text, changes, json } = s.plan(current);
      // The summary says, person by person, that nothing changes on the devvm but one re-converge.
      const summary = renderSummary(summarize([json]));
      for (const u of people) {
        expect(summary).toContain(
          `~ update    ${u.padEnd(9)}  re-converge once (the desired state is now carried as JSON text; same content, nothing changes on the devvm); ` +
            "account's input now stored as one JSON text (state only: nothing runs on the devvm)\n",
        );
      }
      for (const u of people) {
        for (const kind of KINDS) {
          const rc = changes.find((c) => c.address === devvmAddress(kind, u));
          expect(rc?.previous_address).toBe(unshardedAddress(kind, u));
          // What Terraform prints: an account moves and is updated (its spec, object -> JSON
          // text); a profile moves and is replaced (its desired state: the replace trigger).
          expect(text).toContain(
            kind === 'account'
              ? `# ${devvmAddress(kind, u)} will be updated in-place\n  # (moved from ${unshardedAddress(kind, u)})\n`
              : `# ${devvmAddress(kind, u)} must be replaced\n  # (moved from ${unshardedAddress(kind, u)})\n`,
          );
        }
      }
      expect(changes.filter((c) => c.previous_address !== undefined)).toHaveLength(people.length * KINDS.length);
      // Nothing left at an unsharded address; only profiles are created and destroyed.
      expect(changes.filter((c) => /^terraform_data\.(account|profile)\[/.test(c.address))).toEqual([]);
      const acting = changes.filter((c) => c.change.actions.join() !== 'no-op');
      expect(acting.map((c) => [c.address, c.change.actions.join()]).sort()).toEqual(
        people.flatMap((u) => [[devvmAddress('account', u), 'update'], [devvmAddress('profile', u), 'delete,create']]).sort(),
      );
      for (const rc of acting.filter((c) => c.change.actions.join() === 'update')) {
        // An account keeps its identity (the replace trigger): only its input changes form
        // (an object -> one JSON text), with the same content.
        const { before, after } = rc.change;
        expect(after!.triggers_replace).toEqual(before!.triggers_replace);
        expect(typeof after!.input).toBe('string');
        expect(JSON.parse(after!.input as string)).toEqual(before!.input);
      }
      expect(text).toMatch(/Plan: 3 to add, 3 to change, 3 to destroy\./);
      expect(checkGuards([json], summarize([json]), { allowOffboard: [], allowDemoteAdmin: [], iKnow: false })).toEqual({ allowed: true, refusals: [] });

      s.tf('apply', '-auto-approve', 'tfplan');
      // A converge per person (idempotent: nothing on the devvm changes); nobody is onboarded or offboarded.
      expect(s.ran().sort()).toEqual(people.map((u) => `profile_${devvmShard(u)}[${u}] 0`).sort());
      const again = s.planExitCode(current);
      expect(again.text).toContain('No changes.');
      expect(again.code).toBe(0);
    } finally {
      s.dispose();
    }
  }, 60_000);

  it('a tainted old account (a failed onboarding before the upgrade) moves and is replaced there: a retry, which the guards let pass', () => {
    const s = fromOldState();
    try {
      s.taint(unshardedAddress('account', 'emo'));
      const { json, changes } = s.plan(current);
      const emo = changes.find((c) => c.address === devvmAddress('account', 'emo'))!;
      expect([emo.previous_address, emo.change.actions, (emo as { action_reason?: string }).action_reason]).toEqual([
        unshardedAddress('account', 'emo'),
        ['delete', 'create'],
        'replace_because_tainted',
      ]);
      expect(checkGuards([json], summarize([json]), { allowOffboard: [], allowDemoteAdmin: [], iKnow: false })).toEqual({ allowed: true, refusals: [] });
      s.tf('apply', '-auto-approve', 'tfplan');
      // The onboarding is retried at the shard address; a tainted object's destroy runs no
      // offboard. (And every profile re-converges once: its desired state is JSON text now.)
      expect(s.ran().sort()).toEqual([`account_${devvmShard('emo')}[emo] 0`, `account_${devvmShard('emo')}[emo] 1`, ...people.map((u) => `profile_${devvmShard(u)}[${u}] 0`)].sort());
    } finally {
      s.dispose();
    }
  }, 60_000);

  it('a person removed from the roster in the same plan as the move: the old account is destroyed and guard 5 refuses it, whatever the flags', () => {
    const s = fromOldState();
    try {
      const { json, changes } = s.plan(synthDevvm(inputsWithout('ancamilea')));
      const deleted = changes.filter((c) => c.change.actions.join() === 'delete').map((c) => c.address).sort();
      expect(deleted).toEqual([unshardedAddress('account', 'ancamilea'), unshardedAddress('profile', 'ancamilea')]);
      // Created: only the staying people's profiles (replaced: their desired state is JSON text now).
      const staying = people.filter((u) => u !== 'ancamilea');
      expect(changes.filter((c) => c.change.actions.includes('create')).map((c) => `${c.address} ${c.change.actions.join()}`).sort()).toEqual(
        staying.map((u) => `${devvmAddress('profile', u)} delete,create`).sort(),
      );
      const unsharded =
        `this plan destroys terraform_data.account["ancamilea"] from the state's unsharded account block (before 2026-12-01) ` +
        `WITHOUT offboarding (that block is gone from the configuration, and with it the offboard provisioner); ` +
        `put ancamilea back in the roster, apply once (the moved blocks carry them to account_<shard>), then remove the row; no flag overrides this guard`;
      const noFlags = checkGuards([json], summarize([json]), { allowOffboard: [], allowDemoteAdmin: [], iKnow: false });
      expect(noFlags.allowed).toBe(false);
      expect(noFlags.refusals).toContain(unsharded);
      const allFlags = checkGuards([json], summarize([json]), { allowOffboard: ['ancamilea'], allowDemoteAdmin: ['ancamilea'], iKnow: true });
      expect(allFlags).toEqual({ allowed: false, refusals: [unsharded] });
      // What the guard prevents: applied anyway, the old instance leaves the state and its
      // offboard provisioner (gone with the old block) never runs.
      s.tf('apply', '-auto-approve', 'tfplan');
      expect(s.ran().filter((l) => !/^profile_/.test(l))).toEqual([]);
    } finally {
      s.dispose();
    }
  }, 60_000);

  it('the same removal one apply after the move offboards: the shard block runs the destroy-time provisioner, and no guard 5', () => {
    const s = fromOldState();
    try {
      s.plan(current);
      s.tf('apply', '-auto-approve', 'tfplan');
      s.ran();
      const { json, changes } = s.plan(synthDevvm(inputsWithout('ancamilea')));
      expect(changes.filter((c) => c.change.actions.includes('delete')).map((c) => c.address).sort()).toEqual([
        devvmAddress('account', 'ancamilea'),
        devvmAddress('profile', 'ancamilea'),
      ]);
      expect(checkGuards([json], summarize([json]), { allowOffboard: ['ancamilea'], allowDemoteAdmin: [], iKnow: false })).toEqual({ allowed: true, refusals: [] });
      s.tf('apply', '-auto-approve', 'tfplan');
      expect(s.ran()).toEqual([`account_${devvmShard('ancamilea')}[ancamilea] 2 destroy`]);
    } finally {
      s.dispose();
    }
  }, 60_000);
});

/*
 * The previous shard layout (test/support/devvm-previous-layout.ts): the account's input and
 * the profile's desired state decoded into objects in the resource. Terraform runs a
 * destroy-time provisioner from TODAY's configuration against the state's `self`: an offboard
 * in the upgrade's first apply reads an object.
 */
(hasTerraform || process.env.CI === 'true' ? describe : describe.skip)('real Terraform 1.11.4: a state whose specs are objects', () => {
  const spec = (u: string) => {
    const map = Object.entries(current.locals as Record<string, Record<string, string>>).find(([name, m]) => name.startsWith('accounts_') && u in m)![1];
    return (JSON.parse(map[u]) as { account: Body }).account;
  };
  const decoded = (line: string) => JSON.parse(Buffer.from(line.split(' ').pop()!, 'base64').toString('utf8')) as Body;

  it("an offboard in the upgrade's first apply gets the object's spec; one apply later, the text's", () => {
    const s = new Stack();
    try {
      s.args = true;
      s.write(previousShardLayout(current));
      s.tf('init');
      s.tf('apply', '-auto-approve');
      // The onboard of the old form got the spec too (the log's arguments work).
      const onboards = s.ran().filter((l) => / 1 /.test(l) && l.startsWith('account_'));
      expect(onboards.map((l) => decoded(l).osUser).sort()).toEqual(people);
      // Removing ancamilea in the same plan as the upgrade: today's offboard command, the state's object.
      const first = s.plan(synthDevvm(inputsWithout('ancamilea')));
      expect(checkGuards([first.json], summarize([first.json]), { allowOffboard: ['ancamilea'], allowDemoteAdmin: [], iKnow: false })).toEqual({ allowed: true, refusals: [] });
      s.tf('apply', '-auto-approve', 'tfplan');
      const offboard = s.ran().filter((l) => l.includes(' destroy '));
      expect(offboard.map((l) => l.split(' ').slice(0, 3).join(' '))).toEqual([`account_${devvmShard('ancamilea')}[ancamilea] 2 destroy`]);
      expect(decoded(offboard[0])).toEqual(spec('ancamilea'));
      // emo's account is JSON text in the state now: removing emo offboards with the text.
      const emoGone = synthDevvm(inputsWithout('ancamilea'));
      for (const [name, m] of Object.entries(emoGone.locals as Record<string, Record<string, string>>)) if (name.startsWith('accounts_') || name.startsWith('profiles_')) delete m.emo;
      s.plan(emoGone);
      s.tf('apply', '-auto-approve', 'tfplan');
      const second = s.ran().filter((l) => l.includes(' destroy '));
      expect(second.map((l) => l.split(' ').slice(0, 3).join(' '))).toEqual([`account_${devvmShard('emo')}[emo] 2 destroy`]);
      expect(decoded(second[0])).toEqual(spec('emo'));
    } finally {
      s.dispose();
    }
  }, 60_000);
});
