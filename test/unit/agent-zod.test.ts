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

/** The slice as the bundle sees it: agent/zod.ts built and evaluated on its own. */
function slice(): { z: Record<string, unknown> & { string(): { safeParse(v: unknown): { error?: { issues: { message: string }[] } } } } } {
  const code = bundled('agent/zod.ts').outputFiles[0].text;
  const mod = { exports: {} as ReturnType<typeof slice> };
  new Function('module', 'exports', 'require', code)(mod, mod.exports, require);
  return mod.exports;
}

describe('the agent bundle zod slice', () => {
  const { z } = slice();
  const names = new Set(Object.keys(z));
  const sources = Object.keys(bundled('agent/main.ts', { zod: './agent/zod.ts' }).metafile!.inputs).filter((f) => f.endsWith('.ts') && !f.startsWith('node_modules/'));

  it('is the classic API with English messages and no other locale', () => {
    for (const name of ['object', 'strictObject', 'string', 'number', 'array', 'enum', 'literal', 'union', 'discriminatedUnion', 'record', 'boolean', 'ZodError']) expect(names).toContain(name);
    // The agent's "invalid input: <field>: <message>" lines read as they do on the synth side.
    expect(z.string().safeParse(1).error?.issues[0].message).toBe('Invalid input: expected string, received number');
    // What reaches the output (bytesInOutput > 0), not every file esbuild looked at.
    const [output] = Object.values(bundled('agent/zod.ts').metafile!.outputs);
    const locales = Object.entries(output.inputs).filter(([f, i]) => f.includes('/locales/') && i.bytesInOutput > 0).map(([f]) => f);
    expect(locales).toEqual(['node_modules/zod/v4/locales/en.js']);
  });

  it('has every z.<name> the bundled sources use', () => {
    expect(sources.length).toBeGreaterThan(20);
    const missing: string[] = [];
    for (const file of sources) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const m of text.matchAll(/\bz\.([A-Za-z_$][\w$]*)/g)) if (!names.has(m[1]) && !TYPE_ONLY.has(m[1])) missing.push(`${file}: z.${m[1]}`);
    }
    expect(missing).toEqual([]);
  });
});
