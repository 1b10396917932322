// Stand-ins for the unit templates the homelab's devvm ships and the product only enables
// or disables: `t3-serve@.service` (the per-person T3 web session, reading
// /etc/t3-serve/<user>.env, which must exist, and T3_PORT from it) and `claude-auth-sync@.{service,timer}` (the per-person Claude
// auth sync). They run as the person and do nothing but exist and stay up, which is all
// the agent relies on. Written into the systemd test host's root before it boots.
import * as fs from 'node:fs';
import * as path from 'node:path';

export const STAND_IN_UNITS: Readonly<Record<string, string>> = {
  't3-serve@.service': [
    '[Unit]',
    'Description=T3 web session of %i (devvm test host stand-in)',
    '',
    '[Service]',
    'User=%i',
    // As the real unit: no `-`, so a missing env file fails the start.
    'EnvironmentFile=/etc/t3-serve/%i.env',
    'ExecStart=/bin/sleep infinity',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n'),
  'claude-auth-sync@.service': [
    '[Unit]',
    'Description=Claude auth sync of %i (devvm test host stand-in)',
    '',
    '[Service]',
    'Type=oneshot',
    'User=%i',
    'ExecStart=/bin/true',
    '',
  ].join('\n'),
  'claude-auth-sync@.timer': [
    '[Unit]',
    'Description=Claude auth sync timer of %i (devvm test host stand-in)',
    '',
    '[Timer]',
    'OnActiveSec=1h',
    'OnUnitActiveSec=1h',
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n'),
};

export const UNIT_DIR_IN_HOST = '/etc/systemd/system';

export function installStandInUnits(rootDir: string, only?: readonly string[]): void {
  for (const [name, text] of Object.entries(STAND_IN_UNITS)) {
    if (only && !only.includes(name)) continue;
    fs.writeFileSync(path.join(rootDir, UNIT_DIR_IN_HOST, name), text, { mode: 0o644 });
  }
}
