// safeRead refuses what would block or redirect root: FIFOs, sockets, directories, symlinks
// (at the end or on the way inside a home), hard links to someone else's file, oversized files.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { safeRead, safeReadIfExists, UnsafeRead } from '../../agent/safe-read';

describe('safeRead', () => {
  let home: string;
  const uid = process.getuid!();
  beforeEach(() => {
    home = fs.mkdtempSync(join(os.tmpdir(), 'safe-read-'));
    fs.mkdirSync(join(home, '.kube'));
    fs.writeFileSync(join(home, '.kube', 'config'), 'apiVersion: v1\n');
  });
  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

  it('reads a regular file inside the home', () => {
    expect(safeRead(join(home, '.kube', 'config'), { within: home, owner: uid }).toString()).toBe('apiVersion: v1\n');
    expect(safeReadIfExists(join(home, '.kube', 'nothing'), { within: home })).toBeUndefined();
  });

  it('refuses a FIFO without blocking', () => {
    const fifo = join(home, '.kube', 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(() => safeRead(fifo, { within: home })).toThrow(new UnsafeRead(fifo, 'is a FIFO, not a regular file'));
    expect(() => safeRead(fifo)).toThrow(/is a FIFO, not a regular file: not read$/);
  });

  it('refuses a directory and a symlinked file', () => {
    expect(() => safeRead(join(home, '.kube'))).toThrow(/is a directory, not a regular file/);
    fs.symlinkSync('/etc/hostname', join(home, 'link'));
    expect(() => safeRead(join(home, 'link'), { within: home })).toThrow(/is a symlink, not a regular file/);
  });

  it('refuses a symlinked directory on the way inside the home', () => {
    const elsewhere = fs.mkdtempSync(join(os.tmpdir(), 'safe-read-target-'));
    try {
      fs.writeFileSync(join(elsewhere, 'config'), 'secret');
      fs.renameSync(join(home, '.kube'), join(home, '.kube-old'));
      fs.symlinkSync(elsewhere, join(home, '.kube'));
      expect(() => safeRead(join(home, '.kube', 'config'), { within: home })).toThrow(/symlink|non-directory/);
      // Without `within` only the last component is checked (files outside any home).
      expect(safeRead(join(home, '.kube', 'config')).toString()).toBe('secret');
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('refuses a file of another owner and a file too large', () => {
    const file = join(home, '.kube', 'config');
    expect(() => safeRead(file, { owner: uid + 1 })).toThrow(`belongs to uid ${uid}, not ${uid + 1}`);
    fs.writeFileSync(file, Buffer.alloc(2048));
    expect(() => safeRead(file, { maxBytes: 1024 })).toThrow('too large (2048 bytes, at most 1024)');
  });
});
