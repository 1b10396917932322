// Secret-looking strings. Everything this layer ships is world-readable on the devvm and
// committed to git, so a match anywhere (settings key or value, CLAUDE.md, hook script) is refused.
// Patterns aim at real credential shapes; placeholders like $VAR, ${VAR} and <token> pass.

interface SecretShape {
  readonly what: string;
  readonly pattern: RegExp;
}

export const SECRET_SHAPES: readonly SecretShape[] = [
  { what: 'a GitHub token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/ },
  { what: 'an Anthropic API key', pattern: /\bsk-ant-[A-Za-z0-9_-]{8,}/ },
  { what: 'an AWS access key id', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { what: 'a Slack token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{8,}/ },
  { what: 'a JWT', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
  { what: 'a PEM private key', pattern: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/ },
  {
    what: 'a password-style assignment',
    // `password=x`, `token: "x"`, `API_KEY=x`; a colon followed by a space is prose ("secret: never").
    pattern: /(?:pass(?:word|wd)?|pwd|secret|token|api[_-]?key)["']?\s*(?:=|:(?!\s))\s*["']?(?![$<{])[^\s"'<>]{3,}/i,
  },
  { what: 'a URL with a user:password part', pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:[^\s/@]+@/i },
];

/**
 * Claude Code auth variables. Set once for the whole machine they make every person the same
 * Claude identity (or override everybody's own login), so the layer must never name them at all.
 */
export const SHARED_AUTH_VARIABLES = ['CLAUDE_CODE_OAUTH_TOKEN', 'ANTHROPIC_API_KEY'] as const;

/** Messages for every secret shape and auth variable found in `text`. */
export function secretMessages(text: string): string[] {
  const shapes = SECRET_SHAPES.filter((s) => s.pattern.test(text)).map((s) => `looks like ${s.what}: never commit secrets, keep them in Vault`);
  const auth = SHARED_AUTH_VARIABLES.filter((name) => text.includes(name)).map(
    (name) => `names ${name}: a machine-wide value would collapse everyone's Claude identity into one`,
  );
  return [...shapes, ...auth];
}
