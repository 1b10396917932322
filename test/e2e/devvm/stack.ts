// The synthesized `workstations-devvm` stack for a test host: the example cast from
// the roster fixture test/fixtures/roster.yaml (changed per test), and a site file pointing the devvm at the test
// host and the infra repo at the fixture's bare repo inside it. Synthesis goes through
// the product's own parseSite/parseRoster/buildApp, exactly as `npm run synth` does.
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { buildApp } from '../../../src/app';
import { buildAgentBundle } from '../../../src/devvm/agent-bundle';
import { accountSpec, encodeSpec } from '../../../src/desired/host-specs';
import type { DesiredState, WorkstationState } from '../../../src/desired/types';
import { parseRoster, parseSite } from '../../../src/roster/load';
import { formatProblem } from '../../../src/roster/problems';
import type { Site } from '../../../src/roster/site-schema';
import type { TestHost } from '../../harness/host';
import { createInfraFixture, InfraFixture } from '../../harness/infra-fixture';
import { Terraform } from '../../harness/terraform';
import { CONFIG_BASE_REPO, createConfigBase } from './host-tools';
import { EXAMPLE_ROSTER_TEXT } from '../../support/inputs';

export const INFRA_REPO = '/srv/git/infra.git';
export const API_SERVER = 'https://10.0.20.100:6443';

/** Roster document as plain data (mutable copy per call). */
export type RosterDoc = { version: 1; people: Record<string, Record<string, unknown>>; retired_uids?: number[] };

/** The example cast: wizard admin, emo power-user (legacy), ancamilea parked namespace-owner, gheorghe no workstation. */
export function exampleCast(): RosterDoc {
  return parse(EXAMPLE_ROSTER_TEXT) as RosterDoc;
}

/** The example cast plus the hostile tests' two: mallory (the attacker, uid 1010) and alice (a bystander, 1011). */
export function castWithMallory(): RosterDoc {
  const roster = exampleCast();
  roster.people.mallory = { email: 'mallory@example.com', authentik_user: 'mallory', tier: 'power-user', uid: 1010, workstation: {} };
  roster.people.alice = { email: 'alice@example.com', authentik_user: 'alice', tier: 'power-user', uid: 1011, workstation: {} };
  return roster;
}

export function siteFor(h: TestHost): Record<string, unknown> {
  // The systemd test host (systemd-host.ts) runs systemd and has tmux; the chroot host has neither.
  const systemd = (h as { kind?: string }).kind === 'systemd';
  return {
    version: 1,
    devvm: {
      // The real ssh-keyscan output of the test sshd (stock RSA, ECDSA, ed25519 keys), pasted
      // as the README says: the product pins the one Terraform negotiates.
      host: h.address, port: h.port, user: 'root', host_keys: h.hostKeyscan, ssh_agent: true,
      // No test host has kubectl (nor claude, which is per person and never a preflight program), and there is little free memory to spare.
      preflight: {
        binaries: ['node', 'git', 'git-crypt', 'zstd', ...(systemd ? ['tmux'] : [])],
        systemd,
        min_free_memory: '64M', min_free_swap: 0, min_free_disk: '256M',
      },
    },
    kubernetes: { api_server: API_SERVER },
    // One budget per tier (the homelab's default is 24G for everyone): distinct values let
    // the tests see a tier change move the slice budget.
    memory_budgets: { admin: '16G', 'power-user': '8G', 'namespace-owner': '6G' },
    infra_repo: { url: INFRA_REPO, default_branch: 'main' },
    config_base: { url: `file://${CONFIG_BASE_REPO}`, branch: 'main' },
  };
}

export interface SynthResult {
  stackDir: string;
  desired: DesiredState;
  site: Site;
  /** A b64 argument equal in content to what the stack passes to `agent.js converge`, per os_user. */
  convergeArg: Record<string, string>;
  /** The same for onboard/offboard (`self.input.account`), per os_user. */
  accountArg: Record<string, string>;
  workstation: Record<string, WorkstationState>;
}

export function synthDevvm(h: TestHost, roster: RosterDoc, site = siteFor(h), opts: { configBaseCommit?: string } = {}): SynthResult {
  const siteRes = parseSite('site.yaml', stringify(site));
  if (!siteRes.ok) throw new Error(siteRes.problems.map(formatProblem).join('\n'));
  const rosterRes = parseRoster('roster.yaml', stringify(roster), siteRes.value);
  if (!rosterRes.ok) throw new Error(rosterRes.problems.map(formatProblem).join('\n'));
  // Bundle into this host's scratch dir first: buildApp reuses the module-cached bundle,
  // so parallel jest workers never write the same dist/ file under each other's reads.
  buildAgentBundle(h.scratchDir('agent-'));
  const outdir = h.scratchDir('synth-');
  // The config base lives inside the host, where this machine's `git ls-remote` cannot see
  // it: tests that exercise a Config base commit pass the head they read from the host.
  const built = buildApp({ roster: rosterRes.value, site: siteRes.value }, outdir, { configBaseCommit: opts.configBaseCommit ?? false });
  built.app.synth();
  const convergeArg: Record<string, string> = {};
  const accountArg: Record<string, string> = {};
  const workstation: Record<string, WorkstationState> = {};
  for (const p of built.desired.people) {
    if (!p.workstation) continue;
    workstation[p.osUser] = p.workstation;
    convergeArg[p.osUser] = encodeSpec(p.workstation);
    accountArg[p.osUser] = encodeSpec(accountSpec(p.workstation, siteRes.value));
  }
  return { stackDir: join(outdir, 'stacks', 'workstations-devvm'), desired: built.desired, site: siteRes.value, convergeArg, accountArg, workstation };
}

/** Fixture repos, then the example cast (or `roster`) applied by real Terraform: the starting point of most suites. */
export async function applyCast(h: TestHost, roster = exampleCast()): Promise<{ fixture: InfraFixture; synth: SynthResult; tf: Terraform; output: string }> {
  const fixture = await createInfraFixture(h);
  await createConfigBase(h);
  const synth = synthDevvm(h, roster);
  const tf = new Terraform({ stackDir: synth.stackDir, env: h.env, baseDir: h.privateDir });
  const { output } = await tf.planAndApply();
  return { fixture, synth, tf, output };
}
