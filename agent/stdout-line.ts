// The report's lines to fd 1 with write(2) itself. process.stdout builds a stream over the fd
// on its first use (for a pipe, a net.Socket and its machinery: a few ms of every run, see
// docs/bench.md, converge), and on Linux it then writes files and pipes synchronously
// anyway. Two cases the stream handled, and this handles too:
//  - EAGAIN: fd 1 is a full pipe that someone set non-blocking. That line and every later
//    one then go through process.stdout, which waits for the reader; order is kept.
//  - any other error (EPIPE: the reader has gone): the line is dropped and the run goes on.
//    The stream reported such an error only after the run, asynchronously; stopping a
//    converge half-way because nobody reads its report would be worse.
import { writeSync } from 'node:fs';

let viaStream = false;

/** Writes `line` and a newline to stdout. */
export function stdoutLine(line: string): void {
  const text = `${line}\n`;
  if (viaStream) {
    process.stdout.write(text);
    return;
  }
  const bytes = Buffer.from(text, 'utf8');
  let done = 0;
  try {
    while (done < bytes.length) done += writeSync(1, bytes, done, bytes.length - done);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return;
    viaStream = true;
    process.stdout.write(bytes.subarray(done));
  }
}
