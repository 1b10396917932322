// /etc/t3-serve/<os_user>.env: what `t3-serve@<os_user>.service` reads (EnvironmentFile=
// without `-`: the unit does not start without it). The agent owns one key in it,
// T3_PORT, the person's sticky port (agent/t3-ports.ts); every other line is kept. Root-owned
// in a root-owned directory; no secret of ours is in it, so a new file is 0644, and an
// existing file keeps its (stricter) mode. Written for parked people too: their units are
// disabled, not removed, and the port stays theirs. While the units' writer is the shipped
// reconciler (site devvm.writers.units), the file is only read: its port is adopted.
import { lstatSync, mkdirSync } from 'node:fs';
import { sha256, writeFileAtomic } from '../atomic';
import type { Context } from '../context';
import type { HostWriters } from '../../src/desired/host-specs';
import type { WorkstationState } from '../input';
import { FIRST_PORT, T3_DIR, t3EnvFile } from '../paths';
import { changed, failed, ok, Outcome, skipped } from '../report';
import { readT3File, resolvePort, withPort } from '../t3-ports';
import { reconcilerConflict, reconcilerOnHost } from './reconciler';

const NEW_FILE_MODE = 0o644;

function ensureT3Dir(): string | undefined {
  try {
    const st = lstatSync(T3_DIR);
    if (!st.isDirectory()) return `${T3_DIR} is not a directory`;
    if (st.uid !== 0 || (st.mode & 0o022) !== 0) return `${T3_DIR} must be root-owned and writable only by root`;
    return undefined;
  } catch {
    mkdirSync(T3_DIR, { recursive: true, mode: 0o755 });
    return undefined;
  }
}

export function convergeT3Env(ctx: Context, ws: WorkstationState, writers: HostWriters): Outcome {
  const path = t3EnvFile(ws.osUser);
  if (writers.units === 'reconciler') {
    const pick = resolvePort(ctx, ws.osUser, FIRST_PORT, false);
    const port = pick && 'port' in pick ? `, its port ${pick.port} adopted` : pick ? `; ${pick.conflict}` : `; no ${path} yet`;
    return skipped(`writer: reconciler (site devvm.writers.units): ${path} read, not written${port}`);
  }
  const conflict = reconcilerConflict(writers, reconcilerOnHost(ctx.systemd));
  if (conflict) return failed(conflict);
  const pick = resolvePort(ctx, ws.osUser, FIRST_PORT, true);
  if (!pick) return failed('no port'); // unreachable: allocation is allowed
  if ('conflict' in pick) return failed(pick.conflict);
  const current = readT3File(path);
  const content = withPort(current, pick.port);
  const how = pick.source === 'allocated' ? 'new port' : pick.source === 'state' ? 'sticky port' : `adopted from ${pick.source === 'env' ? 'the env file' : 'dispatch.json'}`;
  if (current === content) {
    // Already right (the reconciler's file, or ours): recorded as ours, nothing written.
    if (ctx.state.files[path]?.sha256 !== sha256(content) && !ctx.dryRun) {
      ctx.state.files[path] = { sha256: sha256(content) };
      ctx.save();
      return ok(`T3_PORT=${pick.port} (${how}; file adopted as is)`);
    }
    return ok();
  }
  if (ctx.dryRun) return changed(`would set T3_PORT=${pick.port} in ${path} (${how})`);
  const dirProblem = ensureT3Dir();
  if (dirProblem) return failed(dirProblem);
  const mode = current === undefined ? NEW_FILE_MODE : lstatSync(path).mode & NEW_FILE_MODE;
  ctx.state.files[path] = { sha256: sha256(content) };
  ctx.save();
  writeFileAtomic(path, content, { mode, uid: 0, gid: 0 });
  return changed(`T3_PORT=${pick.port} (${how})${current === undefined ? '' : ', other lines kept'}`);
}
