// Shared shell of the commands: one option parser (src/cli/options.ts) with --help, and
// one exit-code discipline: 0 ok, 1 invalid input (problem lines on stderr) or refused,
// 2 usage or I/O error (one clear message).
import { InputFileError, UsageError } from '../src/roster/load';
import { InvalidInputError } from '../src/roster/problems';
import { TerraformError } from '../src/plan/terraform';
import { CommandSpec, helpText, ParsedOptions, parseArgs } from '../src/cli/options';
import { SynthValidationError } from '../src/synth/hermetic-app';
import { RefusedError } from '../src/ci/preflight';
import { CredentialsError } from '../src/ci/credentials';
import { RemoteError } from '../src/ci/http';

/** Parses argv against `spec` (printing --help and exiting 0 if asked), then runs `main`. */
export function runCommand(spec: CommandSpec, main: (opts: ParsedOptions) => void | Promise<void>): void {
  runCli(() => {
    const parsed = parseArgs(spec, process.argv.slice(2));
    if (parsed.help) {
      process.stdout.write(helpText(spec));
      return;
    }
    for (const w of parsed.options.warnings) process.stderr.write(`${w}\n`);
    return main(parsed.options);
  });
}

export function runCli(main: () => void | Promise<void>): void {
  // Under tsx or --enable-source-maps, stack traces are source-mapped; cdktf captures a stack
  // trace for every token it creates, and mapping those costs about a second at 1000 people.
  // Turned back on before an unexpected error is printed.
  process.setSourceMapsEnabled(false);
  Promise.resolve()
    .then(main)
    .catch((err: unknown) => {
      if (err instanceof InvalidInputError || err instanceof SynthValidationError) {
        process.stderr.write(`${err.message}\n`);
        process.exitCode = 1;
      } else if (err instanceof TerraformError || err instanceof RefusedError || err instanceof CredentialsError || err instanceof RemoteError) {
        process.stderr.write(`${err.message}\n`);
        process.exitCode = 1;
      } else if (err instanceof InputFileError || err instanceof UsageError) {
        process.stderr.write(`error: ${err.message}\n`);
        process.exitCode = 2;
      } else {
        process.setSourceMapsEnabled(true); // TypeScript positions in an unexpected error's trace
        const trace = err instanceof Error ? (err.stack ?? err.message) : String(err);
        process.stderr.write(`${trace}\n`);
        // bin/launch.js's bundle: its map is read only if maps were on when it loaded.
        if (trace.includes('/dist/launch/')) process.stderr.write('(for TypeScript files and lines: run again with NODE_OPTIONS=--enable-source-maps)\n');
        process.exitCode = 2;
      }
    });
}
