// The agent's V8 code cache (agent/loader.ts) on a real test host, with the real bundle
// and the host's own Node: made by the first run of a command, used by the next, private
// to root, ignored where someone else could have written it, one per set of Node options
// (the provisioners' AGENT_NODE_OPTIONS, or none), and dropped when `host` installs
// another agent.
import * as fs from 'node:fs';
import { buildAgentBundle } from '../../src/devvm/agent-bundle';
import { encodeSpec, hostSpec } from '../../src/desired/host-specs';
import { cacheFileName } from '../../agent/loader';
import { AGENT_DIR, AGENT_NODE_OPTIONS, UPLOAD_DIR } from '../../agent/paths';
import { useTestHost } from '../harness/host';
import { describeE2E } from '../harness/skip';
import { exampleInputs } from '../support/inputs';
import { AGENT, agent } from './devvm/host-tools';

describeE2E('the agent code cache on a host', () => {
  const host = useTestHost();
  const bundle = () => buildAgentBundle(host().scratchDir('agent-'));
  /** The hash in the cache names: the agent inside the loader, not the whole file. */
  const payloadSha = () => /runWithCodeCache\("([0-9a-f]{64})"/.exec(fs.readFileSync(bundle().file, 'utf8'))![1];
  /** The cache of `command` for a run with the provisioners' options (as `agent()` runs). */
  const cacheOf = (command: string, execArgv: readonly string[] = AGENT_NODE_OPTIONS) => cacheFileName(payloadSha(), command, execArgv);
  const caches = async () => (await host().execOk(['find', AGENT_DIR, '-maxdepth', '1', '-name', '*.v8cache*', '-printf', '%f %u %m\\n'])).stdout.split('\n').filter(Boolean).sort();

  beforeAll(async () => {
    const h = host();
    await h.execOk(['install', '-d', '-m', '0755', AGENT_DIR]);
    fs.copyFileSync(bundle().file, `${h.rootDir}${AGENT}`);
    await h.execOk(['useradd', '-m', '-u', '1500', 'mallory']);
  });

  it('the first `status` makes its cache (root, 0600); the second reads it and says the same', async () => {
    const first = await agent(host(), ['status']);
    expect(first.code).toBe(0);
    expect(await caches()).toEqual([`${cacheOf('status')} root 600`]);
    const before = await host().execOk(['stat', '-c', '%Y %s', `${AGENT_DIR}/${cacheOf('status')}`]);
    const second = await agent(host(), ['status']);
    expect([second.code, second.stdout, second.stderr]).toEqual([first.code, first.stdout, first.stderr]);
    const after = await host().execOk(['stat', '-c', '%Y %s', `${AGENT_DIR}/${cacheOf('status')}`]);
    expect(after.stdout).toBe(before.stdout); // read, not written again
  });

  it("an admin's plain `node agent.js status` keeps a cache of its own; the provisioners' one stays as it was", async () => {
    const h = host();
    const stamp = () => h.execOk(['stat', '-c', '%Y %s %i', `${AGENT_DIR}/${cacheOf('status')}`]);
    const before = await stamp();
    for (let i = 0; i < 2; i++) expect((await h.exec(['node', AGENT, 'status'])).code).toBe(0);
    expect(await caches()).toEqual([`${cacheOf('status', [])} root 600`, `${cacheOf('status')} root 600`].sort());
    expect((await stamp()).stdout).toBe(before.stdout);
    expect((await agent(h, ['status'])).code).toBe(0);
    expect((await stamp()).stdout).toBe(before.stdout);
  });

  it('a person can neither write a cache nor read one', async () => {
    const name = `${AGENT_DIR}/${cacheOf('tombstones')}`;
    const plant = await host().exec(['sh', '-c', `echo x > ${name}`], { user: 'mallory' });
    expect(plant.code).not.toBe(0);
    const read = await host().exec(['cat', `${AGENT_DIR}/${cacheOf('status')}`], { user: 'mallory' });
    expect(read.code).not.toBe(0);
  });

  it('in a directory others could write, the agent runs and reads or writes no cache', async () => {
    const h = host();
    await h.execOk(['chmod', '0777', AGENT_DIR]);
    try {
      const r = await agent(h, ['tombstones']);
      expect(r.code).toBe(0);
      expect((await caches()).some((c) => c.includes('.tombstones.'))).toBe(false);
    } finally {
      await h.execOk(['chmod', '0755', AGENT_DIR]);
    }
  });

  it("`host` installing an agent drops the caches of the one it replaces", async () => {
    const h = host();
    await h.execOk(['sh', '-c', `umask 077; echo old > ${AGENT_DIR}/0123456789abcdef.converge.v8cache`]);
    await h.execOk(['install', '-d', '-m', '0700', UPLOAD_DIR]);
    const uploaded = `${UPLOAD_DIR}/agent-new.js`;
    fs.copyFileSync(bundle().file, `${h.rootDir}${uploaded}`);
    await h.execOk(['rm', '-f', AGENT]);
    const r = await h.exec(['node', ...AGENT_NODE_OPTIONS, uploaded, 'host', encodeSpec(hostSpec(exampleInputs().site))]);
    expect(r.stdout).toContain(`(host): agent: changed (installed ${AGENT})`);
    const left = await caches();
    expect(left.some((c) => c.startsWith('0123456789abcdef.'))).toBe(false);
    expect(left.some((c) => c.includes('.status.'))).toBe(false);
    expect(left).toContain(`${cacheOf('host')} root 600`);
  });
});
