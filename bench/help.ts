// `--help` for the bench scripts: prints the script's header comment (everything before its
// first import, without the comment markers) and exits 0 before any work starts.
import { readFileSync } from 'node:fs';

export function helpFromHeader(file: string): void {
  if (!process.argv.includes('--help')) return;
  process.stdout.write(`${readFileSync(file, 'utf8').split('\nimport ')[0].replace(/^\/\/ ?/gm, '')}\n`);
  process.exit(0);
}
