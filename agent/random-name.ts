// Random suffixes for temp and staging names (O_EXCL or a rename makes them safe; the
// randomness only keeps them unguessable). Read from /dev/urandom, not node:crypto: on
// the devvm's Node 18 (built without a code cache for its own modules) loading crypto
// compiles 18 modules, about 25 ms of every agent run, and a no-op converge needs no
// other crypto (sha256 is @noble/hashes: agent/atomic.ts; docs/bench.md).
import { closeSync, openSync, readSync } from 'node:fs';

/** `bytes` random bytes as hex (8 digits by default). */
export function randomHex(bytes = 4): string {
  const buf = Buffer.alloc(bytes);
  const fd = openSync('/dev/urandom', 'r');
  try {
    for (let n = 0; n < bytes; ) n += readSync(fd, buf, n, bytes - n, null);
  } finally {
    closeSync(fd);
  }
  return buf.toString('hex');
}
