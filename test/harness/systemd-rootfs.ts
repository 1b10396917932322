// The cached root of the systemd test host (systemd-host.ts): the chroot host's packages
// plus systemd as PID 1, dbus, logind (libpam-systemd) and tmux. It is built and cached by
// rootfs.ts like the chroot root, under its own key (`systemd-rootfs-<hash>`), so changing
// the package list, the masked units or the version below builds a new cache.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGES, RootfsRecipe } from './rootfs';

/**
 * Units that touch disks, wait on a console or run periodic maintenance: in a container on
 * a shared machine they only cost time or fail noisily. Masked (linked to /dev/null).
 */
export const MASKED_UNITS: readonly string[] = [
  'apt-daily.timer', 'apt-daily-upgrade.timer', 'dpkg-db-backup.timer',
  'e2scrub_all.timer', 'e2scrub_reap.service', 'fstrim.timer',
  'systemd-pstore.service', 'getty@tty1.service', 'console-getty.service',
  'systemd-timesyncd.service', 'systemd-networkd-wait-online.service',
];

export const SYSTEMD_PACKAGES: readonly string[] = [
  ...PACKAGES, 'systemd', 'systemd-sysv', 'dbus', 'libpam-systemd', 'tmux',
];

function postBuild(root: string): void {
  // Each boot gets its own machine id (systemd writes one into an empty file at boot).
  fs.writeFileSync(path.join(root, 'etc/machine-id'), '');
  fs.rmSync(path.join(root, 'var/lib/dbus/machine-id'), { force: true });
  // debootstrap leaves / as 0700 in some setups, which stops every non-root command.
  fs.chmodSync(root, 0o755);
  for (const unit of MASKED_UNITS) {
    const link = path.join(root, 'etc/systemd/system', unit);
    fs.rmSync(link, { force: true });
    fs.symlinkSync('/dev/null', link);
  }
}

export const SYSTEMD_RECIPE: RootfsRecipe = {
  name: 'systemd-rootfs',
  packages: SYSTEMD_PACKAGES,
  version: 1,
  extra: { masked: MASKED_UNITS },
  postBuild,
};
