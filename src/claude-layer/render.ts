// Renders a valid layer into the exact bytes the host gets, deterministically: the same source
// gives the same files and the same sha256, whatever the key order of the TS data. The hash
// lets the host resource be replaced exactly when the content changes.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { HOOKS_DIR, MANAGED_DIR, MANAGED_FILES } from './layout';
import { LayerSource, loadLayer } from './load';
import { hostScripts as hostScriptsOf } from './policy';
import { InvalidLayerError } from './problems';
import { validateLayer } from './validate';

export interface RenderedFile {
  /** Relative to its root: MANAGED_DIR for `files`, HOOKS_DIR for `hookScripts`. */
  readonly path: string;
  readonly content: string;
  /** Octal file mode the host should give it. */
  readonly mode: number;
}

export interface RenderedLayer {
  /** Sorted by path: managed-settings.json, managed-settings.d/<name>.json, CLAUDE.md. */
  readonly files: readonly RenderedFile[];
  /** Sorted by name; installed root-owned and executable. */
  readonly hookScripts: readonly RenderedFile[];
  /**
   * Absolute paths of scripts the managed hooks run that the layer does not ship: they must
   * already be on the host, root-owned (the agent checks before installing anything). Sorted.
   */
  readonly hostScripts: readonly string[];
  /** sha256 over every absolute target path and content, in path order. */
  readonly sha256: string;
}

/** Renders the repo's layer (or `layer`); throws InvalidLayerError listing every problem. */
export function renderLayer(layer: LayerSource = loadLayer()): RenderedLayer {
  const problems = validateLayer(layer);
  if (problems.length > 0) throw new InvalidLayerError(problems);

  const files = byPath([
    { path: MANAGED_FILES.base, content: canonicalJson(layer.base.data), mode: 0o644 },
    ...layer.dropIns.map((d) => ({ path: `${MANAGED_FILES.dropIns}/${d.name}.json`, content: canonicalJson(d.data), mode: 0o644 })),
    { path: MANAGED_FILES.claudeMd, content: normalText(layer.claudeMd.text), mode: 0o644 },
  ]);
  const hookScripts = byPath(layer.hookScripts.map((s) => ({ path: s.name, content: normalText(s.text), mode: 0o755 })));
  const shipped = new Set(layer.hookScripts.map((s) => s.name));
  const hostScripts = [...new Set([layer.base, ...layer.dropIns].flatMap((d) => hostScriptsOf(d.data, shipped)))].sort();
  return { files, hookScripts, hostScripts, sha256: contentHash(files, hookScripts) };
}

/** JSON with object keys sorted at every depth (array order is meaning: kept), 2-space indent, final newline. */
export function canonicalJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
  );
}

/** LF line ends and exactly one final newline, so editor settings cannot change the hash. */
function normalText(text: string): string {
  return `${text.replace(/\r\n?/g, '\n').replace(/\s+$/, '')}\n`;
}

function byPath(files: RenderedFile[]): RenderedFile[] {
  return [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Each entry is framed by its byte length, so no two different layers share an input stream. */
function contentHash(files: readonly RenderedFile[], hookScripts: readonly RenderedFile[]): string {
  const entries = [
    ...files.map((f) => ({ target: path.posix.join(MANAGED_DIR, f.path), f })),
    ...hookScripts.map((f) => ({ target: path.posix.join(HOOKS_DIR, f.path), f })),
  ].sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
  const hash = createHash('sha256');
  for (const { target, f } of entries) {
    for (const part of [target, f.mode.toString(8), f.content]) {
      hash.update(`${Buffer.byteLength(part)}:`).update(part);
    }
  }
  return hash.digest('hex');
}
