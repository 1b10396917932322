// Gives a host its own writable root on top of the cached rootfs, and the kernel
// filesystems sshd needs inside it. Each mount is recorded (and the record saved) BEFORE
// it is made, so a crash between the two still leaves a record that cleanup can act on;
// unmounting a path that is not mounted is skipped.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runOk } from './run';
import { HostRecord, saveRecord } from './state';

async function mount(rec: HostRecord, target: string, argv: readonly string[]): Promise<void> {
  rec.mounts.push(target);
  saveRecord(rec);
  await runOk(['mount', ...argv, target]);
}

/**
 * Overlayfs with the cache as the read-only lower layer costs nothing per host and keeps
 * the cache pristine. When the kernel refuses (e.g. no overlay support, or the cache sits
 * on a filesystem overlay cannot use as lower layer), fall back to a full copy.
 * DEVVM_TESTHOST_COPY=1 forces the copy, to exercise that path.
 */
export async function prepareRoot(rec: HostRecord, cacheRoot: string): Promise<void> {
  const root = rec.rootDir;
  fs.mkdirSync(root, { mode: 0o755 });
  if (process.env.DEVVM_TESTHOST_COPY !== '1') {
    const upper = path.join(rec.tempDir, 'upper');
    const work = path.join(rec.tempDir, 'work');
    fs.mkdirSync(upper);
    fs.mkdirSync(work);
    try {
      // Paths with ',' or ':' would break the option string; ours are generated and have neither.
      await mount(rec, root, ['-t', 'overlay', 'overlay', '-o', `lowerdir=${cacheRoot},upperdir=${upper},workdir=${work}`]);
      rec.mode = 'overlay';
      saveRecord(rec);
      return;
    } catch (e) {
      rec.mounts.pop();
      process.stderr.write(`overlay mount failed, copying the rootfs instead: ${(e as Error).message}\n`);
    }
  }
  // --reflink=auto makes the copy nearly free on btrfs/xfs; on ext4 it is a real copy.
  await runOk(['cp', '-a', '--reflink=auto', '--', `${cacheRoot}/.`, root]);
  rec.mode = 'copy';
  saveRecord(rec);
}

const DEV_NODES = ['null', 'zero', 'random', 'urandom', 'tty', 'full'];

/**
 * /proc, a private /dev with the few device nodes programs need, and a NEW devpts
 * instance. Binding the machine's /dev/pts does not work: sshd then fails with
 * `openpty: No such device`, and Terraform's SSH communicator always asks for a PTY.
 */
export async function mountKernelFilesystems(rec: HostRecord): Promise<void> {
  const root = rec.rootDir;
  await mount(rec, path.join(root, 'proc'), ['-t', 'proc', 'proc']);
  const dev = path.join(root, 'dev');
  await mount(rec, dev, ['-t', 'tmpfs', '-o', 'mode=755,nosuid,size=1m', 'tmpfs']);
  for (const node of DEV_NODES) {
    const target = path.join(dev, node);
    fs.writeFileSync(target, '');
    await mount(rec, target, ['--bind', `/dev/${node}`]);
  }
  const pts = path.join(dev, 'pts');
  fs.mkdirSync(pts);
  await mount(rec, pts, ['-t', 'devpts', '-o', 'newinstance,ptmxmode=0666,mode=620', 'devpts']);
  fs.symlinkSync('pts/ptmx', path.join(dev, 'ptmx'));
  fs.mkdirSync(path.join(dev, 'shm'), { mode: 0o1777 });
  fs.chmodSync(path.join(dev, 'shm'), 0o1777);
  // Bash process substitution and `cat /dev/stdin` need these.
  fs.symlinkSync('/proc/self/fd', path.join(dev, 'fd'));
  fs.symlinkSync('/proc/self/fd/0', path.join(dev, 'stdin'));
  fs.symlinkSync('/proc/self/fd/1', path.join(dev, 'stdout'));
  fs.symlinkSync('/proc/self/fd/2', path.join(dev, 'stderr'));
}
