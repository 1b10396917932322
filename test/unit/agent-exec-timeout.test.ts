// Every child of the agent has a timeout: a blocked command is killed and the step fails
// with a message naming the command and the limit (agent/exec.ts).
import { CommandTimeout, probe, probeOrTimeout, run } from '../../agent/exec';

describe('agent exec timeouts', () => {
  it('run: kills the command and says so', () => {
    expect(() => run('sleep', ['30'], { timeoutMs: 300 })).toThrow(new CommandTimeout('sleep 30: timed out after 0.3 s and was killed'));
  });

  it('probe: status 124 and timedOut; probeOrTimeout throws', () => {
    expect(probe('sleep', ['30'], { timeoutMs: 300 })).toMatchObject({ status: 124, timedOut: true });
    expect(() => probeOrTimeout('sleep', ['30'], { timeoutMs: 300 })).toThrow(CommandTimeout);
    expect(probe('true', [])).toMatchObject({ status: 0, timedOut: false });
  });

  it('the default comes from WORKSTATIONS_CMD_TIMEOUT (seconds)', () => {
    const saved = process.env.WORKSTATIONS_CMD_TIMEOUT;
    process.env.WORKSTATIONS_CMD_TIMEOUT = '1';
    try {
      expect(() => run('sleep', ['30'])).toThrow('sleep 30: timed out after 1 s and was killed');
    } finally {
      if (saved === undefined) delete process.env.WORKSTATIONS_CMD_TIMEOUT;
      else process.env.WORKSTATIONS_CMD_TIMEOUT = saved;
    }
  });
});
