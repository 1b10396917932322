// `npm run plan`/`apply` wait for the PG backend's state lock instead of failing at once
// (issue 11 and 14): every state-locking terraform command gets -lock-timeout.
import { DEFAULT_LOCK_TIMEOUT, lockTimeoutArg, TerraformError } from '../../src/plan/terraform';

describe('lock timeout of npm run plan / apply', () => {
  it('defaults to 60s', () => {
    expect(DEFAULT_LOCK_TIMEOUT).toBe('60s');
    expect(lockTimeoutArg({})).toBe('-lock-timeout=60s');
    expect(lockTimeoutArg({ WORKSTATIONS_LOCK_TIMEOUT: '' })).toBe('-lock-timeout=60s');
  });

  it('takes WORKSTATIONS_LOCK_TIMEOUT', () => {
    expect(lockTimeoutArg({ WORKSTATIONS_LOCK_TIMEOUT: '0s' })).toBe('-lock-timeout=0s');
    expect(lockTimeoutArg({ WORKSTATIONS_LOCK_TIMEOUT: '5m' })).toBe('-lock-timeout=5m');
    expect(lockTimeoutArg({ WORKSTATIONS_LOCK_TIMEOUT: '1m30s' })).toBe('-lock-timeout=1m30s');
  });

  it('refuses anything that is not a plain duration, naming the variable', () => {
    for (const bad of ['60', '1d', '-1s', 's', '10s -lock=false', '30s1m']) {
      expect(() => lockTimeoutArg({ WORKSTATIONS_LOCK_TIMEOUT: bad })).toThrow(TerraformError);
      expect(() => lockTimeoutArg({ WORKSTATIONS_LOCK_TIMEOUT: bad })).toThrow(`WORKSTATIONS_LOCK_TIMEOUT must be a duration such as 60s or 5m, got "${bad}"`);
    }
  });
});
