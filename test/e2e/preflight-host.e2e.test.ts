// Issue 13 item 3 end to end: preflight matches the devvm as it is. No system-wide claude is
// required: converge reports each person's own install (looked up as the person) and never
// fails on it; zstd is checked; a missing program is named with where it comes from.
import { encodeSpec } from '../../src/desired/host-specs';
import { useTestHost } from '../harness/host';
import { describeE2E } from '../harness/skip';
import { agent, linesOf } from './devvm/host-tools';
import { applyCast } from './devvm/stack';

const INSTALL = 'curl -fsSL https://claude.ai/install.sh | bash';

describeE2E('preflight and the per-person claude check', () => {
  const host = useTestHost();
  let convergeArg: Record<string, string>;

  it('onboards people without claude, reporting per person how to install it', async () => {
    const h = host();
    const { output, synth } = await applyCast(h);
    convergeArg = synth.convergeArg;
    for (const u of ['wizard', 'emo', 'ancamilea']) {
      expect(linesOf(output, u)).toContain(
        `${u}: claude: skipped (no claude for ${u} (neither on the login shell's PATH nor ~/.local/bin/claude): ` +
          `${u} installs it as themselves with \`${INSTALL}\` (a per-person native install; the devvm has no system-wide claude))`,
      );
    }
  });

  it('finds a person\'s native install in ~/.local/bin, and one on their login PATH', async () => {
    const h = host();
    const standIn = (dir: string) => `mkdir -p "${dir}" && printf '#!/bin/sh\\necho 2.0.0 (Claude Code)\\n' > "${dir}/claude" && chmod 755 "${dir}/claude"`;
    await h.execOk(['sh', '-c', standIn('/home/emo/.local/bin')], { user: 'emo', env: { HOME: '/home/emo' } });
    // wizard's login shell (bash -l) reads ~/.profile, where wizard put ~/tools on PATH.
    await h.execOk(['sh', '-c', `${standIn('/home/wizard/tools')} && echo 'echo profile says hello; PATH="$HOME/tools:$PATH"' >> /home/wizard/.profile`], { user: 'wizard', env: { HOME: '/home/wizard' } });

    const emo = await agent(h, ['converge', convergeArg.emo]);
    expect([emo.code, emo.stderr]).toEqual([0, '']);
    // Debian's skeleton ~/.profile puts an existing ~/.local/bin on the login PATH.
    expect(linesOf(emo.stdout, 'emo').find((l) => l.startsWith('emo: claude: '))).toBe('emo: claude: ok (~/.local/bin/claude)');
    const wizard = await agent(h, ['converge', convergeArg.wizard]);
    expect([wizard.code, wizard.stderr]).toEqual([0, '']);
    expect(linesOf(wizard.stdout, 'wizard')).toContain('wizard: claude: ok (~/tools/claude)');

    const status = await agent(h, ['status']);
    expect(status.code).toBe(0);
    const line = status.stdout.split('\n').find((l) => l.startsWith('(people) claude: '));
    expect(line).toBe(`(people) claude: ancamilea not installed; emo ~/.local/bin/claude; wizard ~/tools/claude (each installs it as themselves: \`${INSTALL}\`)`);
  });

  it('preflight checks zstd and names where each missing program comes from', async () => {
    const h = host();
    const spec = { binaries: ['zstd', 'node', 'kubectl', 'kubectl-oidc_login', 'tmux'], systemd: false, minFreeMemory: '1M', minFreeSwap: '0', minFreeDisk: '1M' };
    expect((await h.exec(['sh', '-c', 'command -v zstd'])).code).toBe(0);
    const r = await agent(h, ['preflight', encodeSpec(spec)]);
    expect(r.code).toBe(1);
    expect(r.stdout.trim()).toBe(
      '(host): preflight: FAILED (devvm not ready: ' +
        'program not found: kubectl (not in Debian: package kubectl from the Kubernetes apt repository pkgs.k8s.io); ' +
        "program not found: kubectl-oidc_login (not in Debian (Debian's kubelogin is another program): the int128/kubelogin release binary (github.com/int128/kubelogin/releases), installed on PATH as kubectl-oidc_login); " +
        'program not found: tmux (Debian package tmux: apt-get install tmux))',
    );
    await h.execOk(['mv', '/usr/bin/zstd', '/usr/bin/zstd.away']);
    try {
      expect((await agent(h, ['preflight', encodeSpec({ ...spec, binaries: ['zstd'] })])).stdout).toContain('program not found: zstd (Debian package zstd: apt-get install zstd)');
    } finally {
      await h.execOk(['mv', '/usr/bin/zstd.away', '/usr/bin/zstd']);
    }
  });
});
