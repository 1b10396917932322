// Bundles the host agent (agent/main.ts) into ONE JavaScript file with no runtime npm
// dependencies, for the devvm's own Node (>= 18). Built at synth time, deterministically
// (same sources, same bytes), so its sha256 can trigger the host resource's replacement.
import { buildSync, version as esbuildVersion } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export interface AgentBundle {
  /** Path of the bundle on the synthesizing machine. */
  readonly file: string;
  readonly sha256: string;
  readonly bytes: number;
}

let cached: AgentBundle | undefined;

/** What a build was made from, so an unchanged agent is not rebuilt on every synth. */
interface BundleRecord extends AgentBundle {
  readonly esbuild: string;
  /** sha256 of every input file (relative to the repo) and of this module. */
  readonly inputs: Record<string, string>;
}

const sha = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

function unchanged(recordFile: string): AgentBundle | undefined {
  try {
    const r = JSON.parse(readFileSync(recordFile, 'utf8')) as BundleRecord;
    if (r.esbuild !== esbuildVersion || sha(readFileSync(r.file)) !== r.sha256) return undefined;
    for (const [input, digest] of Object.entries(r.inputs)) if (sha(readFileSync(join(ROOT, input))) !== digest) return undefined;
    return { file: r.file, sha256: r.sha256, bytes: r.bytes };
  } catch {
    return undefined;
  }
}

export function buildAgentBundle(outDir = join(ROOT, 'dist')): AgentBundle {
  if (cached) return cached;
  const recordFile = join(outDir, 'agent-bundle.json');
  const reused = unchanged(recordFile);
  if (reused) return (cached = reused);
  // Both builds: same options. Smaller output parses faster on every provisioner call;
  // names stay for stack traces.
  const common = {
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    target: 'node18',
    format: 'cjs',
    write: false,
    metafile: true,
    legalComments: 'none',
    minifyWhitespace: true,
    minifySyntax: true,
    charset: 'utf8',
    logLevel: 'silent',
  } as const;
  // 1. The agent: agent/main.ts and what it imports, with zod's classic API without its
  //    locales and JSON Schema tools (agent/zod.ts says why).
  const agent = buildSync({ ...common, entryPoints: [join(ROOT, 'agent', 'main.ts')], alias: { zod: './agent/zod.ts' } });
  const agentJs = agent.outputFiles[0].text;
  // 2. The file installed as agent.js: the loader, which runs the agent (a string in it)
  //    with a V8 code cache (agent/loader.ts says why and where the cache lives).
  const result = buildSync({
    ...common,
    stdin: {
      contents: `import { runWithCodeCache } from './agent/loader';\nrunWithCodeCache(${JSON.stringify(sha(agentJs))}, ${JSON.stringify(agentJs)}, __filename);\n`,
      resolveDir: ROOT,
      sourcefile: 'agent/loader-entry.ts',
      loader: 'ts',
    },
    banner: { js: '#!/usr/bin/env node\n// devvm-workstations host agent (generated bundle; source: agent/ in the repository)' },
  });
  const content = result.outputFiles[0].contents;
  const sha256 = sha(content);
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `workstations-agent-${sha256.slice(0, 16)}.js`);
  writeAtomically(file, content);
  cached = { file, sha256, bytes: content.length };
  const inputs: Record<string, string> = { [relative(ROOT, __filename)]: sha(readFileSync(__filename)) };
  for (const build of [agent, result]) {
    for (const input of Object.keys(build.metafile!.inputs)) if (input !== 'agent/loader-entry.ts') inputs[input] = sha(readFileSync(join(ROOT, input)));
  }
  writeAtomically(recordFile, `${JSON.stringify({ ...cached, esbuild: esbuildVersion, inputs }, null, 2)}\n`);
  return cached;
}

/** Parallel synths (test workers) share dist/: a reader must never see a half-written file. */
function writeAtomically(file: string, content: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}
