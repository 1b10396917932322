// The Vault plane's part of the plan summary: what the plan's `check` blocks found about
// each person's existing Vault identity (constructs/vault/vault-identities.ts writes them).
// In observe mode one check per person looks the identity up and compares its policies
// with the roster's; in adopt mode a check per person the adoption file does not record
// warns when that person has an identity after all. A lookup that finds nothing is the
// check's problem message (a warning, never a failed plan).
import { NEW_IDENTITY_CHECK_PREFIX, OBSERVE_CHECK_PREFIX } from '../../constructs/vault/vault-identities';
import type { PlanJson } from './plan-json';

/** The part of plan JSON `checks` read here (format 1.x). */
interface CheckResult {
  readonly address: { readonly kind?: string; readonly name?: string; readonly to_display?: string };
  readonly status: 'pass' | 'fail' | 'error' | 'unknown';
  readonly instances?: readonly { readonly problems?: readonly { readonly message: string }[] }[];
}

interface PlanWithChecks extends PlanJson {
  readonly checks?: readonly CheckResult[];
}

export type VaultFinding =
  /** observe: the entity exists and has every policy the roster wants. */
  | 'matches'
  /** observe: the entity exists; policies differ (detail says which). */
  | 'differs'
  /** observe: no entity found (never logged in, or an alias other than the email). */
  | 'missing'
  /** adopt: no identity yet: the plan creates entity and alias. */
  | 'new'
  /** adopt: not recorded in the adoption file, but an identity exists: the apply would fail. */
  | 'unrecorded'
  /** The lookup could not run at plan time. */
  | 'unknown';

export interface VaultObservation {
  readonly osUser: string;
  readonly finding: VaultFinding;
  readonly detail: string;
}

function problemsOf(c: CheckResult): string[] {
  return (c.instances ?? []).flatMap((i) => (i.problems ?? []).map((p) => p.message));
}

function observation(osUser: string, kind: 'observe' | 'new', c: CheckResult): VaultObservation {
  const problems = problemsOf(c);
  const own = problems.find((m) => m.startsWith(`${osUser}: `));
  if (c.status === 'unknown' || c.status === 'error') {
    return { osUser, finding: 'unknown', detail: `Vault lookup not evaluated at plan time (${c.status})${problems.length ? `: ${problems.join('; ')}` : ''}` };
  }
  if (kind === 'observe') {
    if (c.status === 'pass') return { osUser, finding: 'matches', detail: 'Vault entity exists with every policy the roster wants' };
    if (own) return { osUser, finding: 'differs', detail: own.slice(osUser.length + 2) };
    return {
      osUser,
      finding: 'missing',
      detail: `no Vault entity found (${problems.join('; ') || 'lookup failed'}): their first OIDC login creates one; record it in the adoption file before adopt`,
    };
  }
  if (c.status === 'pass') return { osUser, finding: 'matches', detail: 'the Vault entity this product created exists' };
  if (own) return { osUser, finding: 'unrecorded', detail: `${own.slice(osUser.length + 2)}` };
  return { osUser, finding: 'new', detail: 'no Vault identity yet: this plan creates the entity and its OIDC alias' };
}

/** Per person, what the Vault plane's checks found, sorted by os_user. */
export function vaultObservations(plans: readonly PlanJson[]): VaultObservation[] {
  const out: VaultObservation[] = [];
  for (const plan of plans as readonly PlanWithChecks[]) {
    for (const c of plan.checks ?? []) {
      const name = c.address.name ?? '';
      if (c.address.kind !== undefined && c.address.kind !== 'check') continue;
      if (name.startsWith(OBSERVE_CHECK_PREFIX)) out.push(observation(name.slice(OBSERVE_CHECK_PREFIX.length), 'observe', c));
      else if (name.startsWith(NEW_IDENTITY_CHECK_PREFIX)) out.push(observation(name.slice(NEW_IDENTITY_CHECK_PREFIX.length), 'new', c));
    }
  }
  return out.sort((a, b) => a.osUser.localeCompare(b.osUser) || a.finding.localeCompare(b.finding));
}

const MARK: Record<VaultFinding, string> = { matches: '=', differs: '~', missing: '?', new: '+', unrecorded: '!', unknown: '?' };

/** The summary's Vault section (empty when the plan has no Vault plane checks). */
export function renderVaultObservations(obs: readonly VaultObservation[]): string[] {
  if (obs.length === 0) return [];
  const width = Math.max(...obs.map((o) => o.osUser.length));
  return ['Vault identities (what the plan looked up):', ...obs.map((o) => `  ${MARK[o.finding]} ${o.osUser.padEnd(width)}  ${o.detail}`)];
}
