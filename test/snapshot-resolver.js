// Keep every jest snapshot in the top-level __snapshots__/ folder (the cdktf project
// layout), named after the test file: test/unit/derive.test.ts -> __snapshots__/derive.test.ts.snap
const path = require('path');

const root = path.resolve(__dirname, '..');
const snapDir = path.join(root, '__snapshots__');

module.exports = {
  resolveSnapshotPath: (testPath, ext) => path.join(snapDir, path.basename(testPath) + ext),
  resolveTestPath: (snapshotPath, ext) => {
    const base = path.basename(snapshotPath, ext);
    const dir = base.endsWith('.e2e.test.ts') ? 'e2e' : 'unit';
    return path.join(root, 'test', dir, base);
  },
  testPathForConsistencyCheck: path.join(root, 'test', 'unit', 'example.test.ts'),
};
