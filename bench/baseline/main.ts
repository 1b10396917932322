// Baseline for bench/synth-bench.ts: the SAME app synthesized the way a project made by
// `cdktf init --template=typescript` runs (cdktf.json "app": "npx ts-node main.ts"):
//   - ts-node WITH type-checking (not transpile-only), tsconfig = the template's
//     (bench/baseline/tsconfig.json);
//   - providers imported from their ROOT index, which evaluates every resource class of
//     the provider (BRIEF section 7), as the generated examples and docs do.
// Run: ROSTER=... SITE=... CDKTF_OUTDIR=... node node_modules/ts-node/dist/bin.js bench/baseline/main.ts
import * as kubernetes from '@cdktf/provider-kubernetes';
import * as vault from '@cdktf/provider-vault';
import { resolve } from 'node:path';
import { buildApp } from '../../src/app';
import { inputPaths, loadInputs } from '../../src/roster/load';

const paths = inputPaths([]);
const outdir = resolve(process.env.CDKTF_OUTDIR ?? 'cdktf.out');
const { app, stacks } = buildApp(loadInputs(paths.roster, paths.site), outdir);

// Use a class of each root import at run time, so neither import can be elided: the
// root index modules (and so every resource class of both providers) are evaluated.
const children = stacks.workstations.node.children;
const hasKubernetes = children.some((c) => c instanceof kubernetes.provider.KubernetesProvider);
const hasVault = children.some((c) => c instanceof vault.provider.VaultProvider);
if (!hasKubernetes || !hasVault) throw new Error('baseline: expected the kubernetes and vault providers in the workstations stack');

app.synth();
process.stdout.write(`baseline: synthesized ${Object.keys(stacks).length} stack(s) into ${outdir}\n`);
