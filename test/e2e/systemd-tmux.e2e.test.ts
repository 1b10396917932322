// The tmux pane cap on a stock devvm (issue 11): Debian bookworm's tmux 3.3a has no
// systemd support and never creates tmux-spawn-*.scope units, so the agent's managed
// /etc/tmux.conf starts each pane with `systemd-run --user --scope`. A real tmux started
// as the person over real SSH, after a real apply; the proof is what the person's own
// systemd user manager reports about the pane's scope.
import { describeE2E } from '../harness/skip';
import { useSystemdHost } from '../harness/systemd-host';
import { sizeToBytes } from '../../src/roster/values';
import { PANE_MEMORY_MAX } from '../../src/desired/host-specs';
import { applyCast } from './devvm/stack';
import { linesOf } from './devvm/host-tools';
import { expectSystemdRan } from './devvm/systemd-checks';

describeE2E('systemd host: every tmux pane runs under a memory cap', () => {
  const host = useSystemdHost();

  it('a pane started over SSH is its own user scope with MemoryMax and OOMPolicy=continue', async () => {
    const h = host();
    const { output } = await applyCast(h);
    expectSystemdRan(output);
    expect(linesOf(output, '(host)')).toContain('(host): tmux-pane-scope: changed (created)');
    await h.authorizeSsh('wizard');

    const started = await h.ssh('wizard', ['sh', '-c', 'tmux new-session -d -s e2e && tmux new-window -t e2e && sleep 0.5 && tmux list-panes -s -t e2e -F "#{pane_pid}"']);
    expect([started.code, started.stderr]).toEqual([0, '']);
    const panes = started.stdout.trim().split('\n').map(Number);
    expect(panes).toHaveLength(2);
    for (const pid of panes) {
      const scope = `tmux-spawn-${pid}.scope`;
      const cgroup = (await h.execOk(['cat', `/proc/${pid}/cgroup`])).stdout;
      // Inside the person's user manager, inside their user slice (whose budget applies too).
      expect(cgroup).toContain(`/user.slice/user-1000.slice/user@1000.service/app.slice/${scope}`);
      const shown = await h.ssh('wizard', ['systemctl', '--user', 'show', scope, '-p', 'MemoryMax', '-p', 'OOMPolicy', '-p', 'ActiveState']);
      expect(shown.stdout.trim().split('\n').sort()).toEqual([
        'ActiveState=active',
        `MemoryMax=${sizeToBytes(PANE_MEMORY_MAX)}`,
        'OOMPolicy=continue',
      ]);
      // The pane is the person's login shell, not a leftover wrapper.
      expect((await h.execOk(['ps', '-o', 'user=,args=', '-p', String(pid)])).stdout.trim()).toMatch(/^wizard +\/bin\/bash -l$/);
    }
    await h.ssh('wizard', ['tmux', 'kill-server']);
  });
});
