// jest 30 ignores testTimeout inside a `projects` entry, so the e2e project sets its
// timeout here (setupFilesAfterEnv runs in every e2e test file).
jest.setTimeout(600000);
