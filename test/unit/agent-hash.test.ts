// The agent hashes and names temp files without node:crypto (agent/random-name.ts says
// why): its sha256 must be the same digest node:crypto gives, so the ledger, the mirror
// directory names and the handover copies written by earlier agents still match.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { sha256 } from '../../agent/atomic';
import { randomHex } from '../../agent/random-name';
import { buildAgentBundle } from '../../src/devvm/agent-bundle';

const nodeSha = (x: string | Buffer) => createHash('sha256').update(x).digest('hex');

describe('agent sha256 (@noble/hashes)', () => {
  it('is the digest node:crypto gives, for text and for bytes', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (s) => sha256(s) === nodeSha(s)));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 5000 }), (b) => sha256(Buffer.from(b)) === nodeSha(Buffer.from(b))));
    // Lengths around the 64-byte block and its padding boundary.
    for (let n = 50; n <= 130; n++) expect(sha256('x'.repeat(n))).toBe(nodeSha('x'.repeat(n)));
    expect(sha256('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});

describe('randomHex', () => {
  it('gives hex of the asked length, different each time', () => {
    expect(randomHex()).toMatch(/^[0-9a-f]{8}$/);
    expect(randomHex(16)).toMatch(/^[0-9a-f]{32}$/);
    const seen = new Set(Array.from({ length: 20 }, () => randomHex(16)));
    expect(seen.size).toBe(20);
  });
});

describe('the agent bundle', () => {
  it('never loads node:crypto', () => {
    const text = readFileSync(buildAgentBundle().file, 'utf8');
    expect(text).toMatch(/require\(\\?"node:fs\\?"\)/); // the pattern below can match at all
    expect(text).not.toMatch(/require\(\\?"(node:)?crypto\\?"\)/);
  });
});
