// Generates a deterministic, realistic-looking git history as a `git fast-import` stream:
// one process writes hundreds of commits in seconds, where a commit-per-spawn loop would
// take minutes. Content is pseudo-random text from a fixed seed, so every run produces
// byte-identical history (same commit ids) and the benchmark measures the same thing.
//
// Shape: each commit rewrites one of a rotating set of generated files (history grows,
// the checkout stays small, like a repo whose generated config changes often) and edits a
// few lines of a hand-written file (small deltas).
import { prng } from '../support/prng';

/** `n` (a multiple of 8) random hex digits, 32 bits per PRNG call. */
function randomHex(rand: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i += 8) s += Math.floor(rand() * 4294967296).toString(16).padStart(8, '0');
  return s;
}

/** Terraform-looking text of about `bytes` bytes whose values are random hex (incompressible-ish). */
function generatedTf(rand: () => number, bytes: number, tag: string): string {
  const lines: string[] = [`# generated ${tag}; do not edit`];
  let size = lines[0].length + 1;
  for (let i = 0; size < bytes; i++) {
    const line = `resource "terraform_data" "r${i}" { input = { id = "${randomHex(rand, 48)}", seq = ${i} } }`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n') + '\n';
}

export interface HistoryOptions {
  /** Approximate size of the packed history (what a clone transfers), in MB. */
  historyMB: number;
  seed?: number;
  /** Branch to write, e.g. refs/heads/main. */
  ref: string;
}

export interface GeneratedHistory {
  stream: Buffer;
  commits: number;
  /** Paths present at the tip. */
  paths: string[];
}

/**
 * These lines of random hex pack to about a third of their size (zlib; each rewrite is
 * fresh content, so no deltas). The raw target is scaled so that the packed history lands
 * near `historyMB`; the fixture reports the real pack size.
 */
const PACK_RATIO = 0.33;
const ROTATING_FILES = 20;
const EPOCH = 1_700_000_000; // fixed commit dates keep commit ids stable

export function generateHistory(opts: HistoryOptions): GeneratedHistory {
  const rand = prng(opts.seed ?? 0x5eed);
  const rawTarget = (opts.historyMB * 1024 * 1024) / PACK_RATIO;
  const commits = Math.max(10, Math.min(2000, Math.round(opts.historyMB * 8)));
  const perCommit = Math.max(1024, Math.floor(rawTarget / commits));
  const chunks: Buffer[] = [];
  const push = (s: string | Buffer) => chunks.push(typeof s === 'string' ? Buffer.from(s, 'utf8') : s);
  const data = (content: string) => {
    const b = Buffer.from(content, 'utf8');
    push(`data ${b.length}\n`);
    push(b);
    push('\n');
  };
  // A hand-written-looking file edited a little in every commit.
  const notes: string[] = Array.from({ length: 200 }, (_, i) => `- change ${i}: ${randomHex(rand, 16)}`);
  const paths = new Set<string>();
  for (let c = 1; c <= commits; c++) {
    const ts = EPOCH + c * 3600;
    const file = `stacks/s${String(c % ROTATING_FILES).padStart(2, '0')}/generated.tf`;
    push(`commit ${opts.ref}\nmark :${c}\n`);
    push(`author Fixture Bot <fixture@example.invalid> ${ts} +0000\n`);
    push(`committer Fixture Bot <fixture@example.invalid> ${ts} +0000\n`);
    data(`regenerate ${file} (${c}/${commits})`);
    if (c > 1) push(`from :${c - 1}\n`);
    push(`M 100644 inline ${file}\n`);
    data(generatedTf(rand, perCommit, `commit ${c}`));
    notes[Math.floor(rand() * notes.length)] = `- change ${c}: ${randomHex(rand, 16)}`;
    push('M 100644 inline CHANGELOG.md\n');
    data(notes.join('\n') + '\n');
    paths.add(file);
    paths.add('CHANGELOG.md');
    push('\n');
  }
  push('done\n');
  return { stream: Buffer.concat(chunks), commits, paths: [...paths].sort() };
}
