// Sticky t3-serve ports (from 3773), as the homelab runs them: `t3-serve@<os_user>` reads
// `T3_PORT` from /etc/t3-serve/<os_user>.env, and /etc/t3-serve/dispatch.json routes the
// web session to it. Some ports are referenced elsewhere (wizard's 3773), so a port that
// exists on the host is ADOPTED, never reassigned: the env file's port first (what the
// running unit listens on), then the agent's own record, then dispatch.json; only a person
// with none of them gets a new port, the lowest one nobody has (in any of the three, the
// offboarded included). The pure rules are `pickPort`; the rest reads the host.
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { OsUser } from '../src/roster/values';
import type { Context } from './context';
import { own } from './own';
import { T3_DIR, T3_DISPATCH, t3EnvFile } from './paths';
import { safeReadIfExists } from './safe-read';

export interface PortSources {
  /** The agent's record (host state): os_user -> port, offboarded people included. */
  readonly state: Readonly<Record<string, number>>;
  /** T3_PORT of each /etc/t3-serve/<os_user>.env. */
  readonly env: Readonly<Record<string, number>>;
  /** os_user -> port of the existing /etc/t3-serve/dispatch.json. */
  readonly dispatch: Readonly<Record<string, number>>;
}

export type PortPick =
  | { readonly port: number; readonly source: 'state' | 'env' | 'dispatch' | 'allocated' }
  | { readonly conflict: string };

const holders = (ports: Readonly<Record<string, number>>, port: number, except: string) =>
  Object.keys(ports).filter((u) => u !== except && ports[u] === port);

/**
 * The port of `osUser`: adopted from what exists (env file, then the agent's record, then
 * dispatch.json), else the lowest free port from `first` when `allocate`, else undefined.
 * A port found for this person that another person already holds is a conflict (reported,
 * never resolved by moving anyone).
 */
export function pickPort(osUser: string, sources: PortSources, first: number, allocate: boolean): PortPick | undefined {
  const candidates: [number | undefined, 'env' | 'state' | 'dispatch', string][] = [
    [own(sources.env, osUser), 'env', t3EnvFile(osUser)],
    [own(sources.state, osUser), 'state', 'the agent\'s record'],
    [own(sources.dispatch, osUser), 'dispatch', T3_DISPATCH],
  ];
  for (const [port, source, where] of candidates) {
    if (port === undefined) continue;
    const others = [...new Set([...holders(sources.env, port, osUser), ...holders(sources.state, port, osUser)])].sort();
    if (others.length) return { conflict: `port ${port} of ${osUser} (${where}) is also ${others.join(', ')}'s: fix the env files by hand, no port is moved` };
    return { port, source: source === 'state' || own(sources.state, osUser) === port ? 'state' : source };
  }
  if (!allocate) return undefined;
  const used = new Set([...Object.values(sources.state), ...Object.values(sources.env), ...Object.values(sources.dispatch)]);
  let port = first;
  while (used.has(port)) port++;
  return { port, source: 'allocated' };
}

const PORT_LINE = /^\s*(?:export\s+)?T3_PORT\s*=\s*["']?(\d{1,5})["']?\s*$/;

/** T3_PORT of an env file (the last assignment, as systemd reads it), if valid. */
export function envPort(text: string): number | undefined {
  let port: number | undefined;
  for (const line of text.split('\n')) {
    const m = PORT_LINE.exec(line);
    if (m) port = Number(m[1]);
  }
  return port !== undefined && port >= 1 && port <= 65535 ? port : undefined;
}

/**
 * The env file with T3_PORT set and every other line kept as it was (the shipped system
 * once wiped a token with a `>` overwrite: update one key, keep the others).
 */
export function withPort(text: string | undefined, port: number): string {
  const lines = (text ?? '').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const out: string[] = [];
  let set = false;
  for (const line of lines) {
    if (/^\s*(?:export\s+)?T3_PORT\s*=/.test(line)) {
      if (!set) out.push(`T3_PORT=${port}`);
      set = true;
    } else out.push(line);
  }
  if (!set) out.push(`T3_PORT=${port}`);
  return `${out.join('\n')}\n`;
}

/** The text of a root-owned file under /etc/t3-serve (never through a link, never blocking). */
export function readT3File(path: string): string | undefined {
  return safeReadIfExists(path)?.toString('utf8');
}

/** os_user -> T3_PORT of every /etc/t3-serve/<os_user>.env on the host. */
export function envPorts(): Record<string, number> {
  const out: Record<string, number> = {};
  if (!existsSync(T3_DIR) || !lstatSync(T3_DIR).isDirectory()) return out;
  for (const name of readdirSync(T3_DIR).sort()) {
    const user = name.endsWith('.env') ? name.slice(0, -4) : '';
    if (!OsUser.safeParse(user).success) continue;
    try {
      const port = envPort(readT3File(t3EnvFile(user)) ?? '');
      if (port !== undefined) out[user] = port;
    } catch {
      // A FIFO or link planted here is nobody's port; the person's own step reports it.
    }
  }
  return out;
}

/** os_user -> port of the existing dispatch.json (whatever its keys: web keys or Authentik usernames). */
export function dispatchPorts(): Record<string, number> {
  const out: Record<string, number> = {};
  let json: unknown;
  try {
    json = JSON.parse(readT3File(T3_DISPATCH) ?? '{}');
  } catch {
    return out;
  }
  if (!json || typeof json !== 'object') return out;
  for (const v of Object.values(json as Record<string, unknown>)) {
    const e = v as { os_user?: unknown; port?: unknown } | null;
    if (e && typeof e.os_user === 'string' && Number.isInteger(e.port) && OsUser.safeParse(e.os_user).success) out[e.os_user] = e.port as number;
  }
  return out;
}

export function portSources(ctx: Context): PortSources {
  return { state: ctx.state.ports, env: envPorts(), dispatch: dispatchPorts() };
}

/** pickPort on this host; a port picked is recorded in the host state (saved). */
export function resolvePort(ctx: Context, osUser: string, first: number, allocate: boolean, sources = portSources(ctx)): PortPick | undefined {
  const pick = pickPort(osUser, sources, first, allocate);
  if (pick && 'port' in pick && own(ctx.state.ports, osUser) !== pick.port) {
    ctx.state.ports[osUser] = pick.port;
    ctx.save();
  }
  return pick;
}
