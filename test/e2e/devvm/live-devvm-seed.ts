// A systemd test host seeded like today's real devvm (BRIEF section 8), before the roster
// reaches it: two accounts with files of their own (wizard's home 0751 because emo's
// ~/.claude/{rules,skills} link into it), the homelab's user-slice drop-in, t3-serve env
// files with sticky ports (not contiguous: wizard's 3773 is referenced elsewhere), both
// t3-serve@ units running, the web terminal's maps, a managed-settings.json, and a stand-in
// of the shipped hourly reconciler (`t3-provision-users.timer`), enabled and active.
// The migration e2e (devvm-live-migration.e2e.test.ts) walks the README runbook on it.
import type { SystemdTestHost } from '../../harness/systemd-host';

export const SEEDED_PEOPLE = {
  wizard: { uid: 1000, port: 3773, groups: ['sudo', 'docker', 'code-shared'] },
  emo: { uid: 1001, port: 3775, groups: ['docker', 'code-shared'] },
} as const;

export const HOMELAB_SLICE_DROPIN = '/etc/systemd/system/user-.slice.d/50-devvm-resource.conf';
export const RECONCILER_UNITS = ['t3-provision-users.service', 't3-provision-users.timer'] as const;

/** Host-wide files the seed writes; the first apply must leave every one byte-identical. */
export const SEEDED_HOST_FILES: readonly string[] = [
  HOMELAB_SLICE_DROPIN,
  '/etc/t3-serve/wizard.env',
  '/etc/t3-serve/emo.env',
  '/etc/t3-serve/dispatch.json',
  '/etc/ttyd-user-map',
  '/etc/ttyd-admins',
  '/etc/claude-code/managed-settings.json',
  ...RECONCILER_UNITS.map((u) => `/etc/systemd/system/${u}`),
];

const FILES: Record<string, string> = {
  [HOMELAB_SLICE_DROPIN]: '# homelab: one budget for everyone, equal to the t3-serve@ cap\n[Slice]\nMemoryMax=24G\n',
  '/etc/t3-serve/wizard.env': 'T3_PORT=3773\n',
  '/etc/t3-serve/emo.env': 'T3_PORT=3775\n',
  '/etc/t3-serve/dispatch.json': '{"emil.barzin":{"os_user":"emo","port":3775},"wizard":{"os_user":"wizard","port":3773}}\n',
  '/etc/ttyd-user-map': 'wizard=wizard\nemil.barzin=emo\n',
  '/etc/ttyd-admins': 'wizard\n',
  '/etc/claude-code/managed-settings.json': '{"model":"opus","env":{"CLAUDE_CODE_ENABLE_TELEMETRY":"1"}}\n',
  '/etc/systemd/system/t3-provision-users.service':
    '[Unit]\nDescription=stand-in of the shipped hourly reconciler\n\n[Service]\nType=oneshot\nExecStart=/bin/true\n',
  '/etc/systemd/system/t3-provision-users.timer':
    '[Unit]\nDescription=stand-in of the shipped hourly reconciler\n\n[Timer]\nOnCalendar=hourly\n\n[Install]\nWantedBy=timers.target\n',
};

/** Writes today's devvm onto a booted systemd test host. */
export async function seedLiveDevvm(h: SystemdTestHost): Promise<void> {
  for (const g of ['docker', 'code-shared']) await h.execOk(['groupadd', '-r', g]);
  for (const [user, p] of Object.entries(SEEDED_PEOPLE)) {
    await h.execOk(['useradd', '-m', '-u', String(p.uid), '-s', '/bin/bash', '-G', p.groups.join(','), user]);
  }
  await h.execOk(['chmod', '0751', '/home/wizard']);
  await h.execOk(['chmod', '0750', '/home/emo']);
  const as = (user: string, script: string) => h.execOk(['sh', '-c', script], { user, env: { HOME: `/home/${user}` } });
  await as('wizard', [
    'umask 022',
    'mkdir -p ~/.claude/rules ~/.claude/skills/deploy ~/notes',
    'echo "# wizard rules" > ~/.claude/rules/house.md',
    'printf -- "---\\nname: deploy\\ndescription: seeded skill\\n---\\n" > ~/.claude/skills/deploy/SKILL.md',
    'echo "wizard private" > ~/notes/todo.txt && chmod 0600 ~/notes/todo.txt',
    'echo "export EDITOR=vim" > ~/.profile.local',
  ].join(' && '));
  await as('emo', [
    'umask 077',
    'mkdir -p ~/.claude ~/.kube',
    'ln -s /home/wizard/.claude/rules ~/.claude/rules',
    'ln -s /home/wizard/.claude/skills ~/.claude/skills',
    'echo \'{"numStartups":7}\' > ~/.claude.json',
    'printf "apiVersion: v1\\nkind: Config\\n# emo\'s own\\n" > ~/.kube/config',
  ].join(' && '));
  for (const [file, text] of Object.entries(FILES)) {
    await h.execOk(['sh', '-c', 'umask 022 && mkdir -p "${1%/*}" && cat > "$1"', 'sh', file], { input: text });
  }
  await h.execOk(['systemctl', 'daemon-reload']);
  await h.execOk(['systemctl', 'enable', '--now', 't3-provision-users.timer']);
  for (const user of Object.keys(SEEDED_PEOPLE)) await h.execOk(['systemctl', 'enable', '--now', `t3-serve@${user}.service`]);
}

/** path -> sha256 of every regular file under the seeded homes and of the seeded host files. */
export async function seededFingerprints(h: SystemdTestHost): Promise<Record<string, string>> {
  const homes = Object.keys(SEEDED_PEOPLE).map((u) => `/home/${u}`);
  const r = await h.execOk(['sh', '-c', 'find "$@" -xdev -type f -print0 | sort -z | xargs -0 sha256sum', 'sh', ...homes, ...SEEDED_HOST_FILES]);
  const out: Record<string, string> = {};
  for (const line of r.stdout.trim().split('\n')) {
    const [sum, ...rest] = line.split('  ');
    out[rest.join('  ')] = sum;
  }
  return out;
}

/** Symlinks under the seeded homes, path -> target (they must survive every step). */
export async function seededLinks(h: SystemdTestHost): Promise<Record<string, string>> {
  const r = await h.execOk(['find', '/home/wizard', '/home/emo', '-xdev', '-type', 'l', '-printf', '%p\\t%l\\n']);
  return Object.fromEntries(r.stdout.trim().split('\n').filter(Boolean).map((l) => l.split('\t')));
}
