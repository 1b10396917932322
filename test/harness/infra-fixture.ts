// A stand-in for the homelab's infra repository, inside a test host: a bare repo whose
// `terraform.tfvars` and `secrets/**` are encrypted by the real git-crypt, next to plain
// .tf files. Everything runs with the host's own git and git-crypt (the versions a devvm
// runs), in a scratch work tree that is deleted afterwards. The symmetric key is moved OUT
// of the host into the harness's private dir: locked clones must not find it anywhere.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateHistory } from './history';
import type { TestHost } from './host';

export interface InfraFixtureOptions {
  /** Generate roughly this much packed history first (for clone benchmarks). */
  historyMB?: number;
  /** Where the bare repo goes inside the host; default /srv/git/infra.git. */
  bareRepoPathInHost?: string;
  /**
   * Add the bare repo to `safe.directory` in the host's /etc/gitconfig (default true).
   * The repo is owned by root, and git (>= 2.35.2, incl. bookworm's 2.39.5) refuses to let
   * another user clone from a local repo it does not own ("detected dubious ownership").
   * On the real devvm the infra repo is a network remote, where ownership does not apply;
   * this makes the local stand-in behave like one. Pass false to test that refusal.
   */
  safeDirectory?: boolean;
}

export interface InfraFixture {
  bareRepoPathInHost: string;
  /** git-crypt symmetric key (`git-crypt export-key`), outside the host. */
  keyFile: string;
  /** Paths encrypted in the repo (at the tip). */
  encryptedPaths: string[];
  /** Hand-written plain paths at the tip. */
  plainPaths: string[];
  /** Paths produced by the generated history, if any. */
  historyPaths: string[];
  commits: number;
  /** Size of the bare repo's pack files, bytes. */
  packBytes: number;
}

/** Every encrypted blob starts with these 10 bytes. */
export const GITCRYPT_MAGIC = '\0GITCRYPT\0';

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Fixture Bot',
  GIT_AUTHOR_EMAIL: 'fixture@example.invalid',
  GIT_COMMITTER_NAME: 'Fixture Bot',
  GIT_COMMITTER_EMAIL: 'fixture@example.invalid',
  GIT_AUTHOR_DATE: '2025-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2025-01-01T00:00:00Z',
  // Do not read or write the host's ~/.gitconfig: tests may be checking it.
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
};

const GITATTRIBUTES = [
  'terraform.tfvars filter=git-crypt diff=git-crypt',
  'secrets/** filter=git-crypt diff=git-crypt',
  '.gitattributes !filter !diff',
  '',
].join('\n');

const PLAIN_FILES: Record<string, string> = {
  'README.md': '# infra (e2e fixture)\n\nStacks for the homelab. `terraform.tfvars` and `secrets/` are git-crypt encrypted.\n',
  'main.tf': 'terraform {\n  required_version = ">= 1.4"\n}\n\nresource "terraform_data" "marker" {\n  input = var.environment\n}\n',
  'variables.tf': 'variable "environment" {\n  type    = string\n  default = "homelab"\n}\n',
  'stacks/platform/main.tf': 'resource "terraform_data" "platform" {\n  input = "platform"\n}\n',
};

// Recognisable fake secrets, so a test can assert they never show up in plaintext.
const ENCRYPTED_FILES: Record<string, string> = {
  'terraform.tfvars': 'environment = "homelab"\nvault_root_token = "hvs.E2E-FIXTURE-NOT-A-SECRET"\n',
  'secrets/vault.env': 'VAULT_TOKEN=hvs.E2E-FIXTURE-SECRET-ENV\n',
  'secrets/kube/admin.kubeconfig': 'apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    token: E2E-FIXTURE-KUBE-TOKEN\n',
};

function writeFiles(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  }
}

export async function createInfraFixture(host: TestHost, opts: InfraFixtureOptions = {}): Promise<InfraFixture> {
  const bare = opts.bareRepoPathInHost ?? '/srv/git/infra.git';
  const tag = randomBytes(4).toString('hex');
  const work = `/tmp/infra-fixture-${tag}`; // inside the host
  const workOutside = path.join(host.rootDir, work);
  const keyInHost = `/tmp/infra-fixture-${tag}.key`;
  const git = (args: string[], input?: Buffer) => host.execOk(['git', '-C', work, ...args], { env: GIT_ENV, input });
  try {
    await host.execOk(['git', 'init', '-q', '-b', 'main', work], { env: GIT_ENV });
    let commits = 0;
    let historyPaths: string[] = [];
    if (opts.historyMB && opts.historyMB > 0) {
      const h = generateHistory({ historyMB: opts.historyMB, ref: 'refs/heads/main' });
      await git(['fast-import', '--quiet', '--done'], h.stream);
      await git(['reset', '-q', '--hard', 'main']);
      commits += h.commits;
      historyPaths = h.paths;
    }
    writeFiles(workOutside, { ...PLAIN_FILES, '.gitattributes': GITATTRIBUTES });
    await host.execOk(['git-crypt', 'init'], { env: GIT_ENV, cwd: work });
    // .gitattributes must be committed with (or before) the files it encrypts.
    writeFiles(workOutside, ENCRYPTED_FILES);
    await git(['add', '-A']);
    await git(['commit', '-q', '-m', 'infra fixture: plain stacks and git-crypt secrets']);
    commits += 1;
    await host.execOk(['git-crypt', 'export-key', keyInHost], { env: GIT_ENV, cwd: work });

    await host.execOk(['mkdir', '-p', path.posix.dirname(bare)]);
    await host.execOk(['git', 'init', '-q', '--bare', '-b', 'main', bare], { env: GIT_ENV });
    await git(['push', '-q', bare, 'main']);
    if (opts.safeDirectory ?? true) {
      await host.execOk(['git', 'config', '--system', '--add', 'safe.directory', bare]);
    }

    const keyFile = path.join(host.privateDir, `infra-${tag}.git-crypt.key`);
    fs.copyFileSync(path.join(host.rootDir, keyInHost), keyFile);
    fs.chmodSync(keyFile, 0o600);

    const encryptedPaths = Object.keys(ENCRYPTED_FILES);
    await assertEncrypted(host, bare, encryptedPaths);
    const packBytes = await packSize(host, bare);
    return { bareRepoPathInHost: bare, keyFile, encryptedPaths, plainPaths: Object.keys(PLAIN_FILES), historyPaths, commits, packBytes };
  } finally {
    // The work tree holds the unlocked key in .git/git-crypt: it must not stay in the host.
    await host.exec(['rm', '-rf', '--', work, keyInHost]);
  }
}

/** Guards the fixture itself: a misconfigured .gitattributes would commit plaintext. */
async function assertEncrypted(host: TestHost, bare: string, paths: string[]): Promise<void> {
  for (const p of paths) {
    const blob = await host.execOk(['git', '--git-dir', bare, 'cat-file', 'blob', `main:${p}`], { env: GIT_ENV });
    if (!blob.stdout.startsWith(GITCRYPT_MAGIC)) {
      throw new Error(`infra fixture: ${p} was committed unencrypted; check .gitattributes`);
    }
  }
}

async function packSize(host: TestHost, bare: string): Promise<number> {
  const r = await host.execOk(['git', '--git-dir', bare, 'count-objects', '-v'], { env: GIT_ENV });
  // Lines like "size-pack: 1234" (KiB); loose objects count too ("size").
  const kib = new Map(r.stdout.trim().split('\n').map((l) => {
    const [k, v] = l.split(': ');
    return [k, Number(v)] as const;
  }));
  return ((kib.get('size-pack') ?? 0) + (kib.get('size') ?? 0)) * 1024;
}
