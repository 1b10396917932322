// fast-check generators of valid rosters (as plain objects ready for YAML).
import fc from 'fast-check';
import { OsUser } from '../../src/roster/values';

export interface RawPerson {
  email: string;
  authentik_user: string;
  k8s_user?: string;
  tier: 'admin' | 'power-user' | 'namespace-owner';
  namespaces?: string[];
  uid?: number;
  workstation?: Record<string, unknown>;
}

export interface RawRoster {
  version: 1;
  people: Record<string, RawPerson>;
  retired_uids?: number[];
}

const label = fc.stringMatching(/^[a-z][a-z0-9]{1,8}$/);

/**
 * Whether the validator accepts `name` as an os_user: the loader's own schema (Unix
 * account name, not a system account such as lp, ftp or sys), never a copy of its list.
 */
export function isValidOsUser(name: string): boolean {
  return OsUser.safeParse(name).success;
}

/** Keeps only names the validator accepts as an os_user. */
export function validOsUsers(names: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return names.filter(isValidOsUser);
}

/** An os_user: a short Unix account name that is never a reserved or system account. */
export const osUser = validOsUsers(label);

const workstation = fc.option(
  fc.record(
    {
      code_layout: fc.constantFrom('single', 'workspace'),
      parked: fc.boolean(),
      claude_auth: fc.boolean(),
      memory_max: fc.constantFrom('4G', '8G', '12G', '512M'),
    },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);

/**
 * A valid roster of 3..maxPeople people with unique identities and at least one admin.
 * `names` proposes os_users; the ones the validator would refuse are dropped.
 */
export function validRoster(maxPeople = 8, names: fc.Arbitrary<string> = label): fc.Arbitrary<RawRoster> {
  return fc
    .uniqueArray(validOsUsers(names), { minLength: 3, maxLength: maxPeople })
    .chain((names) =>
      fc.tuple(
        fc.constant(names),
        fc.array(fc.constantFrom('admin', 'power-user', 'namespace-owner') as fc.Arbitrary<RawPerson['tier']>, {
          minLength: names.length,
          maxLength: names.length,
        }),
        fc.array(fc.uniqueArray(label, { minLength: 1, maxLength: 3 }), { minLength: names.length, maxLength: names.length }),
        fc.array(workstation, { minLength: names.length, maxLength: names.length }),
        fc.array(fc.boolean(), { minLength: names.length, maxLength: names.length }),
      ),
    )
    .map(([names, tiers, namespaces, workstations, explicitK8s]) => {
      // Every access group needs a member (empty groups are refused): one of each tier,
      // and the first person has a workstation.
      tiers[0] = 'admin';
      tiers[1] = 'power-user';
      tiers[2] = 'namespace-owner';
      workstations[0] ??= {};
      const people: Record<string, RawPerson> = {};
      names.forEach((name, i) => {
        const p: RawPerson = {
          email: `${name}@example.com`,
          authentik_user: `ak-${name}`,
          tier: tiers[i],
        };
        if (explicitK8s[i]) p.k8s_user = `k8s-${name}`;
        if (tiers[i] === 'namespace-owner') p.namespaces = namespaces[i].map((n) => `ns-${n}`);
        const ws = workstations[i];
        if (ws) {
          p.uid = 2000 + i;
          p.workstation = ws;
        }
        people[name] = p;
      });
      return { version: 1 as const, people, retired_uids: [1999] };
    });
}
