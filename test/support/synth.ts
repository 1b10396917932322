// Synthesizes the stacks in memory (cdktf Testing.synth: metadata stripped, keys sorted).
import { Testing } from 'cdktf';
import { stringify } from 'yaml';
import { buildApp } from '../../src/app';
import { Inputs, parseRoster } from '../../src/roster/load';
import { formatProblem } from '../../src/roster/problems';
import type { Site } from '../../src/roster/site-schema';

export type TfJson = {
  resource: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  [key: string]: unknown;
};

export function synthWorkstations(inputs: Inputs): TfJson {
  const { stacks } = buildApp(inputs, Testing.app().outdir, { configBaseCommit: false });
  return JSON.parse(Testing.synth(stacks.workstations)) as TfJson;
}

/** Loads a raw roster object (as the fast-check generators make) against a site. */
export function inputsFromRaw(raw: unknown, site: Site): Inputs {
  const r = parseRoster('roster/roster.yaml', stringify(raw), site);
  if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
  return { roster: r.value, site };
}

/** Every resource as "type.name" -> canonical JSON text. */
export function resourceIndex(tf: TfJson): Map<string, string> {
  const index = new Map<string, string>();
  for (const [type, byName] of Object.entries(tf.resource)) {
    for (const [name, body] of Object.entries(byName)) index.set(`${type}.${name}`, JSON.stringify(body));
  }
  for (const [type, byName] of Object.entries(tf.data ?? {})) {
    for (const [name, body] of Object.entries(byName)) index.set(`data.${type}.${name}`, JSON.stringify(body));
  }
  return index;
}

export function synthDevvm(inputs: Inputs): TfJson {
  const { stacks } = buildApp(inputs, Testing.app().outdir, { configBaseCommit: false });
  return JSON.parse(Testing.synth(stacks.devvm)) as TfJson;
}
