// cdktf captures a complete stack trace (Error.stackTraceLimit at its maximum) for every
// token it creates and formats it into lines at once, to say where a token was made if it
// later fails to resolve. A synth creates about 1,300 of them whatever the roster's size,
// and formatting them was 0.1-0.2 s of every synth and plan (docs/bench.md). Imported before
// cdktf (src/synth/before-cdktf.ts), this puts in Node's module cache a capture that takes the
// same trace and formats it when something first reads it: an error message, which is when
// it is needed. Same lines, in the same order. When cdktf was loaded first, it does nothing.
import { standInModule } from './module-stand-in';
import { dirname, join } from 'node:path';

/** cdktf's own module (lib/tokens/private/stack-trace.js, required by its tokens). */
export const STACK_TRACE_PATH = join(dirname(require.resolve('cdktf/package.json')), 'lib', 'tokens', 'private', 'stack-trace.js');

/** The lines of the stack below `below`, formatted on first use (an array to every reader). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export function captureStackTrace(below?: Function): string[] {
  const holder: { stack?: string } = {};
  const previous = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = Number.MAX_SAFE_INTEGER;
    Error.captureStackTrace(holder, below ?? captureStackTrace);
  } finally {
    Error.stackTraceLimit = previous;
  }
  let lines: string[] | undefined;
  // V8 formats a captured trace when its `stack` is first read: here, not at the capture.
  const get = () => (lines ??= holder.stack ? holder.stack.split('\n').slice(1).map((s) => s.replace(/^\s*at\s+/, '')) : []);
  return new Proxy<string[]>([], {
    get: (_target, key) => {
      const l = get();
      const v = Reflect.get(l, key, l) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(l) : v;
    },
    has: (_target, key) => Reflect.has(get(), key),
    ownKeys: () => Reflect.ownKeys(get()),
    getOwnPropertyDescriptor: (_target, key) => Reflect.getOwnPropertyDescriptor(get(), key),
  });
}

standInModule(STACK_TRACE_PATH, () => ({ captureStackTrace, lazy: true }));
