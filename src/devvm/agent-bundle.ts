// Bundles the host agent (agent/main.ts) into ONE JavaScript file with no runtime npm
// dependencies, for the devvm's own Node (>= 18). Built at synth time, deterministically
// (same sources, same bytes), so its sha256 can trigger the host resource's replacement.
import { buildSync } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export interface AgentBundle {
  /** Path of the bundle on the synthesizing machine. */
  readonly file: string;
  readonly sha256: string;
  readonly bytes: number;
}

let cached: AgentBundle | undefined;

export function buildAgentBundle(outDir = join(ROOT, 'dist')): AgentBundle {
  if (cached) return cached;
  const result = buildSync({
    entryPoints: [join(ROOT, 'agent', 'main.ts')],
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    target: 'node18',
    format: 'cjs',
    write: false,
    legalComments: 'none',
    // Smaller bundle parses faster on every provisioner call; names stay for stack traces.
    minifyWhitespace: true,
    minifySyntax: true,
    charset: 'utf8',
    banner: { js: '#!/usr/bin/env node\n// devvm-workstations host agent (generated bundle; source: agent/ in the repository)' },
    logLevel: 'silent',
  });
  const content = result.outputFiles[0].contents;
  const sha256 = createHash('sha256').update(content).digest('hex');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `workstations-agent-${sha256.slice(0, 16)}.js`);
  writeFileSync(file, content);
  cached = { file, sha256, bytes: content.length };
  return cached;
}
