// Property tests are deterministic: every fc.assert runs from one fixed seed, so CI sees
// the same cases on every run and a red build is never a coin toss. FC_SEED overrides it
// (an integer to replay a failure, `random` for exploratory runs). A failure prints the
// seed and the command that replays it (test/support/fc-seed.ts).
// Registered for both jest projects in jest.config.js (setupFiles).
import fc from 'fast-check';
import { reportWithReproduction, seedFromEnv } from '../support/fc-seed';

const seed = seedFromEnv(process.env.FC_SEED);
fc.configureGlobal({ ...(seed === undefined ? {} : { seed }), reporter: reportWithReproduction });
