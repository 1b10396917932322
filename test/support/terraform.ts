// Whether the real Terraform binary is on PATH (some unit tests run it on built-in
// resources only; CI=true makes them mandatory).
import { execFileSync } from 'node:child_process';

export const hasTerraform = (() => {
  try {
    execFileSync('terraform', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
