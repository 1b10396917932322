// Posts the plan's per-person summary on the pull request, on Forgejo (the homelab's forge)
// or GitHub (its public mirror). One comment per pull request: a previous comment carrying
// MARKER is edited in place, so pushes do not pile comments up.
import { FetchLike, requestJson } from './http';

export const MARKER = '<!-- devvm-workstations-plan -->';
export type Forge = 'forgejo' | 'github';

export interface CommentTarget {
  readonly forge: Forge;
  /** API base: Forgejo `https://forgejo.example/api/v1`, GitHub `https://api.github.com`. */
  readonly apiUrl: string;
  /** owner/name */
  readonly repo: string;
  readonly pr: number;
  readonly token: string;
}

function headers(t: CommentTarget): Record<string, string> {
  return t.forge === 'github'
    ? { Authorization: `Bearer ${t.token}`, Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': '2022-11-28' }
    : { Authorization: `token ${t.token}` };
}

/** Creates or updates the pull request's plan comment; returns what it did. */
export async function upsertComment(f: FetchLike, t: CommentTarget, body: string): Promise<'created' | 'updated'> {
  const base = `${t.apiUrl.replace(/\/+$/, '')}/repos/${t.repo}/issues`;
  const text = `${MARKER}\n${body}`;
  const list = (await requestJson(f, 'GET', `${base}/${t.pr}/comments?${t.forge === 'github' ? 'per_page=100' : 'limit=50'}`, headers(t))) as { id: number; body?: string }[] | undefined;
  const previous = (list ?? []).find((c) => typeof c.body === 'string' && c.body.startsWith(MARKER));
  if (previous) {
    await requestJson(f, 'PATCH', `${base}/comments/${previous.id}`, headers(t), { body: text });
    return 'updated';
  }
  await requestJson(f, 'POST', `${base}/${t.pr}/comments`, headers(t), { body: text });
  return 'created';
}

/** The comment body: the summary file's Markdown, or what went wrong. */
export function commentBody(sha: string, summary: string, failed: boolean, pipelineUrl: string): string {
  const lines = [`### \`workstations\` plan for ${sha.slice(0, 12)}`];
  if (failed) lines.push('', `**The plan failed or was refused** (untrusted endpoint, unknown Authentik group, Terraform error or invalid roster): see ${pipelineUrl}`);
  lines.push('', summary.trim() !== '' ? summary.trim() : '(no per-person summary was produced)');
  lines.push('', '_Plan only: nothing was changed by this pipeline._');
  return lines.join('\n');
}
