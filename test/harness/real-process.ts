// Jest runs each test file with its own COPY of `process`: a separate EventEmitter (so an
// 'exit' listener added to it never fires) whose `send` is always a function. The safety
// net and the "am I a forked jest worker" check need the real one, which node's module
// loader still hands out. Outside jest this is simply `process`.
import Module from 'node:module';

export function realProcess(): NodeJS.Process {
  const load = (Module as unknown as { _load?: (request: string) => unknown })._load;
  const real = typeof load === 'function' ? (load('process') as NodeJS.Process | undefined) : undefined;
  return real ?? process;
}
