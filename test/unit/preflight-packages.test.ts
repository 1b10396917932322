// Preflight matches the devvm: no system-wide claude, zstd checked, and a missing program is
// named with where it comes from.
import { missingProgram, sourceOf } from '../../agent/steps/binary-packages';
import { preflightSpec } from '../../src/desired/host-specs';
import { exampleSite } from '../support/inputs';

it('requires zstd (offboarding archives with it) and no system-wide claude by default', () => {
  expect(preflightSpec(exampleSite()).binaries).toEqual(['node', 'git', 'git-crypt', 'tmux', 'zstd', 'kubectl', 'kubectl-oidc_login']);
});

it('names the Debian package of every default program, or where it comes from when Debian has none', () => {
  for (const bin of preflightSpec(exampleSite()).binaries) expect([bin, sourceOf(bin)]).toEqual([bin, expect.any(String)]);
  expect(missingProgram('node')).toBe('program not found: node (Debian package nodejs: apt-get install nodejs)');
  expect(missingProgram('zstd')).toBe('program not found: zstd (Debian package zstd: apt-get install zstd)');
  expect(missingProgram('kubectl')).toBe('program not found: kubectl (not in Debian: package kubectl from the Kubernetes apt repository pkgs.k8s.io)');
  expect(missingProgram('kubectl-oidc_login')).toMatch(/^program not found: kubectl-oidc_login \(not in Debian \(Debian's kubelogin is another program\): the int128\/kubelogin release binary/);
  // A program the site adds that the table does not know: its name only.
  expect(missingProgram('jq')).toBe('program not found: jq');
  expect(missingProgram('constructor')).toBe('program not found: constructor');
});
