// Issue 12, attack class "offboarding leaves the archive readable": while a person is
// offboarded, another person polls the archive directory and never opens (or even lists)
// it; the archive is 0600 from its first byte (a root poller sees only 0600 temp files) in
// a root-only directory; an archive_dir others can enter (0755 /var/backups, 0750, a
// symlink) is refused with a clear message. And "a huge sparse file holds the lock": a
// 100 GB sparse file archives quickly (bounded by the exec timeout, the time is printed)
// into a small archive.
//
// Race: the two pollers run for the whole offboarding (about 1-3 s here: the home holds
// 50 MB of random data, so tar writes for a while); their iteration counts are printed.
// A miss is impossible for the person's poller (a 0700 directory refuses every open, it is
// no matter of timing). The root poller shows what a poller WOULD see: on today's main the
// temp file was 0644 for the whole tar run; with at least one sighting per run (printed),
// a regression to 0644 would be caught unless tar finished between two polls.
import { useTestHost } from '../harness/host';
import type { TestHost } from '../harness/host';
import { describeE2E } from '../harness/skip';
import { AGENT, linesOf } from './devvm/host-tools';
import { applyCast, castWithMallory, exampleCast, SynthResult, synthDevvm } from './devvm/stack';
import { treeChanges, treeState } from './devvm/tree-state';

const DIR = '/var/backups/workstations';
const ARCHIVE = `${DIR}/mallory-1010.tar.zst`;
const BLOB_BYTES = 50 * 1024 * 1024;
const SPARSE_BYTES = 100 * 1024 * 1024 * 1024;

const NOT_ARCHIVED = 'mallory: tombstone: FAILED (not recorded: the home is not archived (see the archive step); nothing deleted; re-run offboarding)';

const agentRun = (h: TestHost, args: string[]) => h.exec(['node', AGENT, ...args], { timeoutMs: 300_000 });

/** The offboard argument with another archive_dir. */
function offboardArg(synth: SynthResult, archiveDir: string): string {
  const spec = JSON.parse(Buffer.from(synth.accountArg.mallory, 'base64').toString('utf8')) as Record<string, unknown>;
  return Buffer.from(JSON.stringify({ ...spec, archiveDir })).toString('base64');
}

const WATCH_AS_PERSON = `
n=0; : > "$HOME/watch.log"; echo started > "$HOME/watch.started"
until [ -e /tmp/stop-watch ]; do
  n=$((n+1))
  for f in ${DIR}/* ${DIR}/.[!.]*; do cat -- "$f" > /dev/null 2>&1 && echo "opened $f" >> "$HOME/watch.log"; done
  ls -a ${DIR} > /dev/null 2>&1 && echo "listed ${DIR}" >> "$HOME/watch.log"
  cat ${ARCHIVE} > /dev/null 2>&1 && echo "opened ${ARCHIVE}" >> "$HOME/watch.log"
done
echo "iterations $n" >> "$HOME/watch.log"`;

const WATCH_AS_ROOT = `
n=0
until [ -e /tmp/stop-watch ]; do
  n=$((n+1)); stat -c 'seen %a %U' ${ARCHIVE}.tmp-* 2>/dev/null
done
echo "iterations $n"`;

describeE2E('offboarding archives are private from the first byte', () => {
  const host = useTestHost();

  it('refuses archive_dir others can enter, then archives privately and sparsely while another person watches', async () => {
    const h = host();
    const roster = castWithMallory();
    const { synth } = await applyCast(h, roster);
    await h.execOk(
      ['sh', '-c', `cd && printf SECRET-CREDENTIALS > .claude/.credentials.json && chmod 600 .claude/.credentials.json && head -c ${BLOB_BYTES} /dev/urandom > blob && truncate -s ${SPARSE_BYTES} big.sparse`],
      { user: 'mallory', env: { HOME: '/home/mallory' } },
    );

    // Directories others could enter are refused (the first run also locks her account).
    await h.execOk(['sh', '-c', 'mkdir -m 750 /srv/archives-750 && mkdir -p -m 700 /srv/real && ln -s /srv/real /srv/archives-link']);
    const refusals: [string, string][] = [
      ['/var/backups', 'mallory: archive: FAILED (archive_dir /var/backups has mode 755: group or others could read archives; use a root-only (0700) directory: refused)'],
      ['/srv/archives-750', 'mallory: archive: FAILED (archive_dir /srv/archives-750 has mode 750: group or others could read archives; use a root-only (0700) directory: refused)'],
      ['/srv/archives-link', 'mallory: archive: FAILED (archive_dir /srv/archives-link is a symlink: refused (use the real directory))'],
      ['/tmp/archives', 'mallory: archive: FAILED (archive_dir /tmp/archives: parent /tmp is writable by group or others (mode 1777): refused)'],
    ];
    const guarded = ['/etc', '/root', '/usr/local/lib', '/var/lib/workstations', '/var/backups', '/srv', '/tmp', '/home/alice', '/home/wizard', '/home/emo'];
    let before = await treeState(h, guarded);
    for (const [i, [dir, line]] of refusals.entries()) {
      const r = await agentRun(h, ['offboard', offboardArg(synth, dir)]);
      expect(r.code).toBe(1);
      expect(linesOf(r.stdout, 'mallory')).toContain(line);
      expect(linesOf(r.stdout, 'mallory').find((l) => l.includes('tombstone'))).toBe(NOT_ARCHIVED);
      // The first run locked her (by design); from then on a refused run changes nothing at all.
      if (i === 0) before = await treeState(h, guarded);
    }
    expect(treeChanges(before, await treeState(h, guarded))).toEqual([]);
    expect(await h.exists('/srv/real/mallory-1010.tar.zst')).toBe(false);

    // Another person polls the default archive directory while she is offboarded.
    const personWatch = h.exec(['sh', '-c', WATCH_AS_PERSON], { user: 'alice', env: { HOME: '/home/alice' }, timeoutMs: 300_000 });
    const rootWatch = h.exec(['sh', '-c', WATCH_AS_ROOT], { timeoutMs: 300_000 });
    for (let i = 0; i < 100 && !(await h.exists('/home/alice/watch.started')); i++) await new Promise((res) => setTimeout(res, 50));
    const started = Date.now();
    const r = await agentRun(h, ['offboard', synth.accountArg.mallory]);
    const seconds = (Date.now() - started) / 1000;
    await h.execOk(['touch', '/tmp/stop-watch']);
    const [person, root] = await Promise.all([personWatch, rootWatch]);
    expect([r.code, r.signal]).toEqual([0, null]);
    expect(linesOf(r.stdout, 'mallory')).toContainEqual(expect.stringMatching(/^mallory: archive: changed \(\/var\/backups\/workstations\/mallory-1010\.tar\.zst written and verified/));

    const log = (await h.readFile('/home/alice/watch.log')).trim().split('\n');
    const rootLines = root.stdout.trim().split('\n');
    const seen = rootLines.filter((l) => l.startsWith('seen '));
    console.log(
      `offboard with a ${SPARSE_BYTES / 2 ** 30} GiB sparse file and ${BLOB_BYTES / 2 ** 20} MiB of data: ${seconds.toFixed(1)} s; ` +
        `person poller ${log[log.length - 1]}, root poller ${rootLines[rootLines.length - 1]} (temp file seen ${seen.length} times)`,
    );
    expect(person.code).toBe(0);
    expect(log.filter((l) => !l.startsWith('iterations '))).toEqual([]);
    expect(Number(log[log.length - 1].split(' ')[1])).toBeGreaterThan(0);
    expect([...new Set(seen)].filter((l) => l !== 'seen 600 root')).toEqual([]);

    // Private, complete, sparse and small.
    expect(await h.stat(DIR)).toMatchObject({ type: 'directory', mode: 0o700, uid: 0 });
    expect(await h.stat(ARCHIVE)).toMatchObject({ mode: 0o600, uid: 0 });
    expect((await h.stat(ARCHIVE)).size).toBeLessThan(BLOB_BYTES + 1024 * 1024);
    const listing = (await h.execOk(['tar', '--zstd', '-tvf', ARCHIVE])).stdout;
    expect(listing).toMatch(new RegExp(` ${SPARSE_BYTES} \\S+ \\S+ mallory/big\\.sparse$`, 'm'));
    expect((await h.execOk(['tar', '--zstd', '-xOf', ARCHIVE, 'mallory/.claude/.credentials.json'])).stdout).toBe('SECRET-CREDENTIALS');
    expect((await h.exec(['cat', ARCHIVE], { user: 'alice' })).code).not.toBe(0);

    // Other people's homes and root's files are as they were.
    const after = await treeState(h, guarded);
    // Offboarding itself rewrites the archive dir, host state, mallory's stored desired state
    // and the host maps (mallory leaves them); nothing else may change.
    const changes = treeChanges(before, after).filter(
      (c) => !/^(added|changed|removed) (\/var\/backups\/workstations(\/|:|$)|\/var\/lib\/workstations\/(state\.json|desired\/mallory\.json)(:|$)|\/etc\/(ttyd-user-map|t3-serve\/dispatch\.json)(:|$)|\/home\/alice\/watch\.|\/tmp\/stop-watch)/.test(c),
    );
    expect(changes).toEqual([]);
  });
  it('tar runs as the person: a file in her home she cannot read stops the archive loudly, and nothing is deleted', async () => {
    // Her home holds a file she cannot read (an admin's, 0600 root) and one she made unreadable
    // to herself (chmod 000): root's tar would have archived both with root's rights.
    const h = host();
    const roster = exampleCast();
    roster.people.nina = { email: 'nina@example.com', authentik_user: 'nina', tier: 'power-user', uid: 1012, workstation: {} };
    const synth = synthDevvm(h, roster);
    const onboard = await agentRun(h, ['onboard', synth.accountArg.nina]);
    expect(onboard.code).toBe(0);
    await h.execOk(['sh', '-c', 'printf ROOT-ONLY > /home/nina/admin-note && chmod 600 /home/nina/admin-note']);
    await h.execOk(['sh', '-c', 'cd && printf mine > own.txt && printf hidden > locked && chmod 000 locked'], { user: 'nina', env: { HOME: '/home/nina' } });
    const guarded = ['/home/nina', '/etc/claude-code', '/root', '/usr/local/lib'];
    const before = await treeState(h, guarded);

    const r = await agentRun(h, ['offboard', synth.accountArg.nina]);
    const lines = linesOf(r.stdout, 'nina');
    console.log(lines.find((l) => l.startsWith('nina: archive:')));
    expect(r.code).toBe(1);
    expect(lines).toContainEqual(expect.stringMatching(
      /^nina: archive: FAILED \(tar as nina cannot read 2 path\(s\) of the home \((\/home\/nina\/admin-note, \/home\/nina\/locked|\/home\/nina\/locked, \/home\/nina\/admin-note)\): make them readable by nina or move them out of the home; nothing archived, no tombstone, nothing deleted; re-run offboarding\)$/,
    ));
    expect(lines).toContain('nina: tombstone: FAILED (not recorded: the home is not archived (see the archive step); nothing deleted; re-run offboarding)');
    // No archive, no temp, her home exactly as it was, no tombstone.
    expect((await h.execOk(['find', DIR, '-name', 'nina-*'])).stdout).toBe('');
    expect(treeChanges(before, await treeState(h, guarded))).toEqual([]);
    const tombs = JSON.parse((await agentRun(h, ['tombstones'])).stdout) as { tombstones: object; incomplete: object };
    expect([Object.hasOwn(tombs.tombstones, 'nina'), Object.hasOwn(tombs.incomplete, 'nina')]).toEqual([false, false]);

    // The admin moves their file out and she (before offboarding, or the admin for her) fixes hers: the re-run archives.
    await h.execOk(['sh', '-c', 'mv /home/nina/admin-note /root/nina-admin-note && chmod 600 /home/nina/locked']);
    const again = await agentRun(h, ['offboard', synth.accountArg.nina]);
    expect(again.code).toBe(0);
    expect(linesOf(again.stdout, 'nina')).toContainEqual(expect.stringMatching(/^nina: tombstone: ok/));
    const listing = (await h.execOk(['tar', '--zstd', '-tf', `${DIR}/nina-1012.tar.zst`])).stdout.split('\n');
    expect(listing).toEqual(expect.arrayContaining(['nina/own.txt', 'nina/locked']));
    expect(listing).not.toContain('nina/admin-note');
  });
});
