// The infra fixture must look like the real infra repo to the code under test: encrypted
// where the real one is, readable to a key holder, and leaving no plaintext or key behind
// inside the host (a locked clone that could find the key would prove nothing).
import * as fs from 'node:fs';
import { useTestHost } from '../harness/host';
import { createInfraFixture, GITCRYPT_MAGIC, InfraFixture } from '../harness/infra-fixture';
import { describeE2E } from '../harness/skip';

describeE2E('infra fixture', () => {
  const host = useTestHost();
  let fixture: InfraFixture;

  beforeAll(async () => {
    fixture = await createInfraFixture(host());
    await host().execOk(['useradd', '-m', 'emo']);
  });

  it('gives a non-admin a locked clone: encrypted blobs, plain .tf files', async () => {
    const h = host();
    await h.execOk(['git', 'clone', '-q', fixture.bareRepoPathInHost, '/home/emo/infra'], { user: 'emo', cwd: '/home/emo' });
    for (const p of fixture.encryptedPaths) {
      expect((await h.readFileBuffer(`/home/emo/infra/${p}`)).subarray(0, 10).toString('latin1')).toBe(GITCRYPT_MAGIC);
    }
    for (const p of fixture.plainPaths) {
      expect(await h.readFile(`/home/emo/infra/${p}`)).not.toContain('\0');
    }
    expect(await h.readFile('/home/emo/infra/main.tf')).toContain('resource "terraform_data" "marker"');
    expect((await h.stat('/home/emo/infra/README.md')).uid).toBe(Number((await h.execOk(['id', '-u', 'emo'])).stdout.trim()));
  });

  it('keeps the key and the plaintext out of the host', async () => {
    const h = host();
    expect(fs.statSync(fixture.keyFile).mode & 0o777).toBe(0o600);
    expect(fixture.keyFile.startsWith(h.rootDir)).toBe(false);
    const keys = await h.exec(['find', '/', '-xdev', '-path', '*/git-crypt/keys*']);
    expect(keys.stdout).toBe('');
    const plain = await h.exec(['grep', '-rl', '--exclude-dir=proc', '--exclude-dir=dev', 'E2E-FIXTURE-NOT-A-SECRET', '/']);
    expect(plain.stdout).toBe('');
    expect(plain.code).toBe(1); // grep: no match (2 would be an error)
  });

  it('unlocks for an admin who holds the exported key', async () => {
    const h = host();
    fs.copyFileSync(fixture.keyFile, `${h.rootDir}/root/infra.key`);
    await h.execOk(['git', 'clone', '-q', fixture.bareRepoPathInHost, '/root/infra']);
    await h.execOk(['git-crypt', 'unlock', '/root/infra.key'], { cwd: '/root/infra' });
    expect(await h.readFile('/root/infra/terraform.tfvars')).toContain('vault_root_token = "hvs.E2E-FIXTURE-NOT-A-SECRET"');
    expect(await h.exists('/root/infra/.git/git-crypt/keys/default')).toBe(true);
  });
});
