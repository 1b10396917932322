// Root never follows a symlink a person planted in their home: the agent's private
// directories, kubeconfig and clone steps refuse, and the targets stay untouched: a
// fingerprint (type, mode, owner, link target, content) of /etc, /root, /usr/local/lib,
// /var/lib/workstations and the other homes is the same before and after (agent state aside).
import { useTestHost } from '../harness/host';
import { describeE2E } from '../harness/skip';
import { agent, linesOf } from './devvm/host-tools';
import { applyCast } from './devvm/stack';
import { GUARDED, treeChanges, treeState } from './devvm/tree-state';

/** Agent state that legitimately changes on a converge. */
const OWN_STATE = /^(added|changed|removed) \/var\/lib\/workstations\/(state\.json|desired\/|mirrors\/)/;

describeE2E('symlinks planted in a home are never followed by root', () => {
  const host = useTestHost();

  it('refuses ~/.config -> /var/lib and ~/.kube -> /etc, leaving the targets as they were', async () => {
    const h = host();
    const { synth } = await applyCast(h);
    const before = await h.stat('/var/lib/workstations');
    const etcBefore = await h.stat('/etc');
    const guarded = [...GUARDED, '/home/wizard', '/home/ancamilea'];
    const fingerprint = await treeState(h, guarded);
    await h.execOk(['sh', '-c', 'rm -rf ~/.config ~/.kube && ln -s /var/lib ~/.config && ln -s /etc ~/.kube'], { user: 'emo', env: { HOME: '/home/emo' } });

    const r = await agent(h, ['converge', synth.convergeArg.emo]);
    const lines = linesOf(r.stdout, 'emo');
    expect(lines).toContain('emo: private-dirs: skipped (/home/emo/.config exists and is not a directory: kept as is)');
    expect(lines.find((l) => l.startsWith('emo: kubeconfig:'))).toBe('emo: kubeconfig: skipped (/home/emo/.kube exists and is not a directory: kept as is)');
    expect(await h.stat('/var/lib/workstations')).toEqual(before);
    expect(await h.stat('/etc')).toEqual(etcBefore);
    expect(await h.exists('/var/lib/workstations/secrets')).toBe(false);
    expect(await h.exists('/etc/config')).toBe(false);

    // One level deeper: ~/.config is real, but ~/.config/workstations points at the agent's state.
    await h.execOk(['sh', '-c', 'rm ~/.config && mkdir -m 700 ~/.config && ln -s /var/lib/workstations ~/.config/workstations'], { user: 'emo', env: { HOME: '/home/emo' } });
    const again = linesOf((await agent(h, ['converge', synth.convergeArg.emo])).stdout, 'emo');
    expect(again).toContain('emo: private-dirs: skipped (/home/emo/.config/workstations exists and is not a directory: kept as is)');
    expect(await h.stat('/var/lib/workstations')).toEqual(before);
    expect(await h.exists('/var/lib/workstations/secrets')).toBe(false);
    expect(treeChanges(fingerprint, await treeState(h, guarded)).filter((c) => !OWN_STATE.test(c))).toEqual([]);
  });
});
