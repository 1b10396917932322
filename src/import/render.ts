// Writes the imported people as a roster file (the format of README "Roster reference"),
// each person under a comment naming the lines it was read from, and the site settings
// an adoption starts with. Deterministic: people sorted by os_user, fields in one order.
import { parseDocument, stringify } from 'yaml';
import { cite } from './problems';
import type { ImportedPerson } from './reconcile';

const scalar = (v: string | number | boolean): string => stringify(v).trimEnd();
const list = (xs: readonly string[]): string => `[${xs.map(scalar).join(', ')}]`;

export function renderRoster(people: readonly ImportedPerson[], inputs: readonly string[], leftOut: readonly string[] = []): string {
  const out = [
    '# yaml-language-server: $schema=./roster.schema.json',
    '# Written by `npm run import` from:',
    ...inputs.map((f) => `#   ${f}`),
    '# Review it before committing: each person names the source lines it was read from.',
    '# Every workstation is an existing account (legacy: true): converge only adds what is',
    '# missing until an admin runs `cutover` for it.',
    ...(leftOut.length ? [`# Left out, disputed by the problem lines the import printed: ${leftOut.join(', ')}.`] : []),
    'version: 1',
    'people:',
  ];
  for (const x of people) {
    out.push(`  ${x.osUser}:`, `    # ${x.sources.map(cite).join(', ')}${x.workstation ? '' : ' (no devvm account: cluster access only)'}`);
    if (x.email !== undefined) out.push(`    email: ${scalar(x.email)}`);
    if (x.authentikUser !== undefined) out.push(`    authentik_user: ${scalar(x.authentikUser)}`);
    if (x.k8sUser !== undefined) out.push(`    k8s_user: ${scalar(x.k8sUser)}`);
    out.push(`    tier: ${x.tier}`);
    if (x.namespaces) out.push(`    namespaces: ${list(x.namespaces)}`);
    if (x.uid !== undefined) out.push(`    uid: ${x.uid}`);
    const w = x.workstation;
    if (w) {
      out.push('    workstation:', '      legacy: true');
      if (w.code_layout) out.push(`      code_layout: ${w.code_layout}`);
      if (w.repos) out.push(`      repos: ${list(w.repos)}`);
      if (w.parked) out.push('      parked: true');
      if (w.claude_auth === false) out.push('      claude_auth: false');
      if (w.web_key !== undefined) out.push(`      web_key: ${scalar(w.web_key)}`);
      if (w.login_shell !== undefined) out.push(`      login_shell: ${scalar(w.login_shell)}`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** The adoption settings: every plane observed, every host-wide file still the shipped reconciler's. */
export const ADOPTION_SETTINGS = {
  migration: { authentik: 'observe', vault: 'observe', kubernetes: 'observe' },
  writers: { user_maps: 'reconciler', managed_settings: 'reconciler', units: 'reconciler' },
} as const;

export function renderSiteSnippet(): string {
  const m = ADOPTION_SETTINGS.migration;
  const w = ADOPTION_SETTINGS.writers;
  return [
    '# Adoption settings written by `npm run import`: merge these keys into roster/site.yaml.',
    '# observe: each plane is read, nothing in it is managed, and the plan summary lists every',
    '# difference from the roster. reconciler: the shipped t3-provision-users timer keeps',
    '# writing the host-wide files until the hand-over (README "Adopting an existing homelab").',
    'migration:',
    `  authentik: ${m.authentik}`,
    `  vault: ${m.vault}`,
    `  kubernetes: ${m.kubernetes}`,
    'devvm:',
    '  writers:',
    `    user_maps: ${w.user_maps}`,
    `    managed_settings: ${w.managed_settings}`,
    `    units: ${w.units}`,
    '',
  ].join('\n');
}

/** A site text with the adoption settings merged in (comments kept): what the roster is checked against. */
export function withAdoptionSettings(siteText: string): string {
  const doc = parseDocument(siteText, { version: '1.2' });
  for (const [plane, mode] of Object.entries(ADOPTION_SETTINGS.migration)) doc.setIn(['migration', plane], mode);
  for (const [file, writer] of Object.entries(ADOPTION_SETTINGS.writers)) doc.setIn(['devvm', 'writers', file], writer);
  return doc.toString();
}
