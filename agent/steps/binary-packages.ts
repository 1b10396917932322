// Where each program preflight requires comes from, so a missing one is named with what to
// install rather than only its name. Debian bookworm package names; kubectl and
// kubectl-oidc_login are not in Debian (Debian's `kubelogin` is a different program, the
// Azure one).
const SOURCES: Readonly<Record<string, string>> = {
  node: 'Debian package nodejs: apt-get install nodejs',
  git: 'Debian package git: apt-get install git',
  'git-crypt': 'Debian package git-crypt: apt-get install git-crypt',
  tmux: 'Debian package tmux: apt-get install tmux',
  zstd: 'Debian package zstd: apt-get install zstd',
  kubectl: 'not in Debian: package kubectl from the Kubernetes apt repository pkgs.k8s.io',
  'kubectl-oidc_login':
    "not in Debian (Debian's kubelogin is another program): the int128/kubelogin release binary (github.com/int128/kubelogin/releases), installed on PATH as kubectl-oidc_login",
};

/** Where `program` comes from, or undefined for a program this table does not know. */
export function sourceOf(program: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(SOURCES, program) ? SOURCES[program] : undefined;
}

/** The preflight line for a program not found on PATH. */
export function missingProgram(program: string): string {
  const from = sourceOf(program);
  return `program not found: ${program}${from ? ` (${from})` : ''}`;
}
