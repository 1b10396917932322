// The agent bundle builds against agent/zod.ts, a slice of zod's classic API (see there
// why). esbuild cannot tell when a `z.<name>` falls outside the slice: it would be
// undefined on the devvm at run time. So every `z.<name>` in the bundle's own sources
// must be in the slice, unless TypeScript erases it (a type).
import { buildSync } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** `z.<name>` that are types only (gone after compilation). */
const TYPE_ONLY = new Set(['infer', 'input', 'output', 'RefinementCtx']);

function bundled(entry: string, alias: Record<string, string> = {}) {
  return buildSync({ entryPoints: [join(ROOT, entry)], absWorkingDir: ROOT, bundle: true, platform: 'node', format: 'cjs', write: false, metafile: true, logLevel: 'silent', alias });
}

function sliceExports(): Set<string> {
  const code = bundled('agent/zod.ts').outputFiles[0].text;
  const mod = { exports: {} as { z?: Record<string, unknown> } };
  new Function('module', 'exports', 'require', code)(mod, mod.exports, require);
  return new Set(Object.keys(mod.exports.z ?? {}));
}

describe('the agent bundle zod slice', () => {
  const slice = sliceExports();
  const sources = Object.keys(bundled('agent/main.ts', { zod: './agent/zod.ts' }).metafile!.inputs).filter((f) => f.endsWith('.ts') && !f.startsWith('node_modules/'));

  it('is the classic API, English messages included', () => {
    for (const name of ['object', 'strictObject', 'string', 'number', 'array', 'enum', 'literal', 'union', 'discriminatedUnion', 'record', 'boolean', 'ZodError']) expect(slice).toContain(name);
    const code = bundled('agent/zod.ts').outputFiles[0].text;
    expect(code).not.toMatch(/locales\/(de|fr|ja)\.js/);
  });

  it('has every z.<name> the bundled sources use', () => {
    expect(sources.length).toBeGreaterThan(20);
    const missing: string[] = [];
    for (const file of sources) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const m of text.matchAll(/\bz\.([A-Za-z_$][\w$]*)/g)) if (!slice.has(m[1]) && !TYPE_ONLY.has(m[1])) missing.push(`${file}: z.${m[1]}`);
    }
    expect(missing).toEqual([]);
  });
});
