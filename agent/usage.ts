// The host agent's `--help`: one entry per command, shown by `agent.js --help` (all) and
// `agent.js <command> --help` (one). Help is answered before the host lock is taken or
// any state is read, so it is safe anywhere, as any user.

export interface AgentCommandHelp {
  readonly args: string;
  readonly summary: string;
  /** Who runs it: Terraform's provisioners, or an admin on the devvm. */
  readonly caller: 'terraform' | 'admin';
  readonly options?: readonly (readonly [string, string])[];
}

export const AGENT_COMMANDS: Readonly<Record<string, AgentCommandHelp>> = {
  host: { args: '<b64 HostSpec>', summary: 'install this agent and the host-wide files', caller: 'terraform' },
  'claude-layer': { args: '<b64 ClaudeLayerSpec>', summary: 'install the managed Claude Code layer (validated again here; an invalid layer installs nothing)', caller: 'terraform' },
  preflight: { args: '<b64 PreflightSpec>', summary: 'check the devvm can carry Workstations (binaries, systemd, free memory, swap, disk)', caller: 'terraform' },
  onboard: { args: '<b64 AccountSpec>', summary: 'create the account, or adopt an existing one', caller: 'terraform' },
  converge: { args: '<b64 Workstation>', summary: "converge one person's Workstation profile", caller: 'terraform' },
  offboard: { args: '<b64 AccountSpec>', summary: 'lock the account, archive the home, tombstone the uid (destroy-time)', caller: 'terraform' },
  plan: { args: '[<b64 Workstation>]', summary: 'dry run of converge (everyone converged so far, or one): every change, nothing changed', caller: 'admin' },
  status: { args: '', summary: 'accounts, their state and drift; the writer of each host-wide file, the shipped reconciler, foreign slice drop-ins', caller: 'admin' },
  tombstones: { args: '', summary: 'offboarding tombstones as JSON (read-only; `npm run plan` reads it over SSH)', caller: 'admin' },
  purge: { args: '<os_user>', summary: 'delete an offboarded account and its home after verifying the archive', caller: 'admin' },
  cutover: {
    args: '<os_user> [--force] [--break-links]',
    summary: "move a legacy account to its tier target, snapshotting what it replaces; first reports other people's links into the home",
    caller: 'admin',
    options: [
      ['--force', 'cut over even while the person has live interactive sessions'],
      ['--break-links', "cut over although other people's links into the home (reported) break when it is tightened to 0700"],
    ],
  },
  rollback: { args: '<os_user>', summary: 'restore the cutover snapshot exactly', caller: 'admin' },
};

const EXIT_CODES = [
  '  0  done (every step ok or changed)',
  '  1  at least one step failed (the others still ran; see the step lines)',
  '  2  usage error or invalid input (nothing was changed)',
];

export function agentHelp(): string {
  const width = Math.max(...Object.entries(AGENT_COMMANDS).map(([c, h]) => `${c} ${h.args}`.length)) + 2;
  const lines = (caller: AgentCommandHelp['caller']) =>
    Object.entries(AGENT_COMMANDS)
      .filter(([, h]) => h.caller === caller)
      .map(([c, h]) => `  ${`${c} ${h.args}`.padEnd(width)}${h.summary}`);
  return [
    'Usage: node agent.js <command> [arguments]    (node agent.js <command> --help: one command)',
    '',
    'The devvm host agent: converges accounts and Workstation profiles. Runs as root.',
    '',
    'Called by Terraform provisioners (the desired state as one base64 JSON argument):',
    ...lines('terraform'),
    '',
    'For admins on the devvm:',
    ...lines('admin'),
    '',
    'Options:',
    '  -h, --help  print this help and exit 0',
    '',
    'Exit codes:',
    ...EXIT_CODES,
    '',
  ].join('\n');
}

export function commandHelp(command: string): string {
  const h = AGENT_COMMANDS[command];
  const options = [...(h.options ?? []), ['-h, --help', 'print this help and exit 0'] as const];
  const width = Math.max(...options.map(([o]) => o.length)) + 2;
  return [
    `Usage: node agent.js ${command}${h.args ? ` ${h.args}` : ''}`,
    '',
    `${h.summary[0].toUpperCase()}${h.summary.slice(1)}.`,
    h.caller === 'terraform' ? 'Run by Terraform provisioners with the desired state as base64 JSON.' : 'Run by an admin on the devvm, as root.',
    '',
    'Options:',
    ...options.map(([o, d]) => `  ${o.padEnd(width)}${d}`),
    '',
    'Exit codes:',
    ...EXIT_CODES,
    '',
  ].join('\n');
}
