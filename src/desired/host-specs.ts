// What the devvm stack hands the host agent, as zod schemas shared by both sides: the
// synth side derives and encodes these, the agent decodes and re-validates them before
// acting (a value that slipped past one side is still refused by the other).
import { z } from 'zod';
import { AbsPath, BranchName, GitUrl, OsUser, Size, Uid } from '../roster/values';
import type { WorkstationState } from './types';
import type { Site } from '../roster/site-schema';
import { HOST_FILE_WRITERS } from '../roster/site-enums';

/** The immutable identity of an account plus what offboarding needs (kept in `self.input`). */
export const AccountSpec = z.strictObject({
  osUser: OsUser,
  uid: Uid,
  home: AbsPath,
  shell: AbsPath,
  archiveDir: AbsPath,
});
export type AccountSpec = z.infer<typeof AccountSpec>;

/**
 * Who writes each host-wide file (site devvm.writers): the shipped hourly reconciler
 * (`t3-provision-users`) or this product. One writer at a time: a file whose writer is
 * `reconciler` is read and reported by the agent, never written.
 */
export const HostWriters = z.strictObject({
  /** /etc/ttyd-user-map, /etc/ttyd-admins, /etc/t3-serve/dispatch.json. */
  userMaps: z.enum(HOST_FILE_WRITERS),
  /** /etc/claude-code/managed-settings.json. */
  managedSettings: z.enum(HOST_FILE_WRITERS),
  /** The per-person t3-serve@ units and their /etc/t3-serve/<os_user>.env files. */
  units: z.enum(HOST_FILE_WRITERS),
});
export type HostWriters = z.infer<typeof HostWriters>;

/** Every host-wide file is this product's (the site default). */
export const ALL_WORKSTATIONS: HostWriters = { userMaps: 'workstations', managedSettings: 'workstations', units: 'workstations' };

/**
 * Host-wide content that concerns nobody in particular. Nothing per person lives here: the
 * ttyd user map and the t3-serve dispatch table are regenerated on the host from the
 * desired states the agent stores (agent/desired-store.ts), so a one-person change never
 * replaces the host resource. The agent stores it on the host (agent/host-spec-store.ts):
 * every later command reads the writers from there.
 */
export const HostSpec = z.strictObject({
  /** MemoryMax of each tmux pane scope. */
  paneMemoryMax: Size,
  writers: HostWriters,
});
export type HostSpec = z.infer<typeof HostSpec>;

export const PANE_MEMORY_MAX = '6G';

export function accountSpec(ws: WorkstationState, site: Site): AccountSpec {
  return { osUser: ws.osUser, uid: ws.uid, home: ws.home, shell: ws.shell, archiveDir: site.devvm.archive_dir };
}

export function hostSpec(site: Site): HostSpec {
  const w = site.devvm.writers;
  return { paneMemoryMax: PANE_MEMORY_MAX, writers: { userMaps: w.user_maps, managedSettings: w.managed_settings, units: w.units } };
}

/** Base64 of canonical JSON: safe to put on a command line (no shell metacharacters). */
export function encodeSpec(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
}

export function decodeSpec<S extends z.ZodType>(schema: S, b64: string): z.infer<S> {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new Error('argument is not base64');
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
  } catch {
    throw new Error('argument is not base64 JSON');
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    throw new Error(`invalid input: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return r.data;
}

const RelativeFile = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)?$/);

/** The managed Claude Code layer as the agent installs it (see src/claude-layer). */
export const ClaudeLayerSpec = z.strictObject({
  /** Files under /etc/claude-code: managed-settings.json, managed-settings.d/*.json, CLAUDE.md. */
  files: z.array(z.strictObject({ path: RelativeFile, content: z.string(), mode: z.number().int() })),
  /** Scripts under the root-owned hooks directory. */
  hookScripts: z.array(z.strictObject({ path: RelativeFile, content: z.string(), mode: z.number().int() })),
  configBase: z.strictObject({
    url: GitUrl,
    branch: BranchName,
    path: AbsPath,
    dir: z.string().regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$|^\.$/).refine((d) => !d.split('/').includes('..')),
  }),
});
export type ClaudeLayerSpec = z.infer<typeof ClaudeLayerSpec>;

/** What the agent checks before onboarding anyone (see site devvm.preflight). */
export const PreflightSpec = z.strictObject({
  binaries: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/)),
  systemd: z.boolean(),
  minFreeMemory: z.string(),
  minFreeSwap: z.string(),
  minFreeDisk: z.string(),
});
export type PreflightSpec = z.infer<typeof PreflightSpec>;

export function preflightSpec(site: Site): PreflightSpec {
  const p = site.devvm.preflight;
  return { binaries: [...p.binaries], systemd: p.systemd, minFreeMemory: p.min_free_memory, minFreeSwap: p.min_free_swap, minFreeDisk: p.min_free_disk };
}
