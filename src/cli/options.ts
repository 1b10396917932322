// The one option parser of every npm command (validate, synth, plan, apply, schema):
// the same spelling everywhere (`--roster FILE`, `--roster=FILE`, `-h`/`--help`), the same
// environment fallbacks (ROSTER, SITE), unknown options are usage errors (exit 2) that
// point at --help, and the help text is generated from the same table the parser reads.
import { UsageError } from '../roster/load';

export interface OptionSpec {
  /** Long name without the dashes: `stack` is `--stack`. */
  readonly name: string;
  /** Placeholder of the value (`FILE`); absent: a flag that takes no value. */
  readonly value?: string;
  /** May be given more than once (values accumulate; commas also split for `list`). */
  readonly repeatable?: boolean;
  /** Values are comma-separated lists (`--allow-offboard a,b`). */
  readonly list?: boolean;
  /** Environment variable read when the option is not given. */
  readonly env?: string;
  /** The default, as the help shows it. */
  readonly default?: string;
  readonly help: string;
}

export interface CommandSpec {
  /** `validate`, `plan`, ... (`npm run <name>`). */
  readonly name: string;
  readonly summary: string;
  readonly options: readonly OptionSpec[];
  /** Environment variables the command reads besides the options' own. */
  readonly environment?: readonly (readonly [string, string])[];
  readonly exitCodes: readonly (readonly [number, string])[];
  /**
   * Accept the roster as a bare argument (`validate roster.yaml`), the old spelling, with a
   * deprecation warning. `--roster FILE` is the documented form everywhere.
   */
  readonly positionalRoster?: boolean;
}

export const ROSTER_OPTION: OptionSpec = { name: 'roster', value: 'FILE', env: 'ROSTER', default: 'roster/roster.yaml', help: 'the roster' };
export const SITE_OPTION: OptionSpec = { name: 'site', value: 'FILE', env: 'SITE', default: 'roster/site.yaml', help: 'the site' };
const HELP_OPTION: OptionSpec = { name: 'help', help: 'print this help and exit 0' };

export class ParsedOptions {
  constructor(
    private readonly values: ReadonlyMap<string, readonly string[]>,
    /** Deprecation warnings, for stderr. */
    readonly warnings: readonly string[],
  ) {}

  /** The option's value (given, else its environment variable, else its default). */
  get(name: string): string | undefined {
    const v = this.values.get(name);
    return v?.[v.length - 1];
  }

  /** Every value of a repeatable or list option, in the order given. */
  all(name: string): string[] {
    return [...(this.values.get(name) ?? [])];
  }

  flag(name: string): boolean {
    return this.values.has(name);
  }
}

export type ParseResult = { readonly help: true } | { readonly help: false; readonly options: ParsedOptions };

export function parseArgs(spec: CommandSpec, argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ParseResult {
  if (argv.some((a) => a === '--help' || a === '-h')) return { help: true };
  const byName = new Map(spec.options.map((o) => [o.name, o]));
  const given = new Map<string, string[]>();
  const warnings: string[] = [];
  const seeHelp = `see \`npm run ${spec.name} -- --help\``;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('-') || arg === '-') {
      if (spec.positionalRoster && !given.has('roster')) {
        given.set('roster', [arg]);
        warnings.push(`warning: a bare roster argument is deprecated: use --roster ${arg}`);
        continue;
      }
      throw new UsageError(`unexpected argument ${arg}; ${seeHelp}`);
    }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') ? arg.slice(2, eq < 0 ? undefined : eq) : '';
    const opt = byName.get(name);
    if (!opt) throw new UsageError(`unknown option ${eq < 0 ? arg : arg.slice(0, eq)}; ${seeHelp}`);
    let value: string;
    if (!opt.value) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value; ${seeHelp}`);
      value = 'true';
    } else if (eq >= 0) {
      value = arg.slice(eq + 1);
    } else {
      if (i + 1 >= argv.length || argv[i + 1].startsWith('--')) throw new UsageError(`--${name} needs a value (${opt.value}); ${seeHelp}`);
      value = argv[++i];
    }
    if (opt.value && value === '') throw new UsageError(`--${name} needs a value (${opt.value}); ${seeHelp}`);
    if (given.has(name) && !opt.repeatable) throw new UsageError(`--${name} is given more than once; ${seeHelp}`);
    const values = opt.list ? value.split(',').filter(Boolean) : [value];
    given.set(name, [...(given.get(name) ?? []), ...values]);
  }
  for (const opt of spec.options) {
    if (given.has(opt.name)) continue;
    const fromEnv = opt.env ? env[opt.env] : undefined;
    if (fromEnv) given.set(opt.name, [fromEnv]);
    else if (opt.value && opt.default !== undefined && !opt.repeatable) given.set(opt.name, [opt.default]);
  }
  return { help: false, options: new ParsedOptions(given, warnings) };
}

/** `--help` text: usage, summary, options with defaults, environment, exit codes. */
export function helpText(spec: CommandSpec): string {
  const opts = [...spec.options, HELP_OPTION];
  const left = (o: OptionSpec) => `${o.name === 'help' ? '-h, ' : ''}--${o.name}${o.value ? ` ${o.value}` : ''}`;
  // One column for options and environment variables, so the help reads as one table.
  const width = Math.max(...opts.map((o) => left(o).length), ...(spec.environment ?? []).map(([k]) => k.length)) + 2;
  const lines = [`Usage: npm run ${spec.name} --${spec.options.length ? ' [options]' : ''}`, '', ...spec.summary.split('\n'), '', 'Options:'];
  for (const o of opts) {
    const notes = [
      o.repeatable ? 'repeatable' : '',
      o.env ? `env ${o.env}` : '',
      o.default !== undefined ? `default ${o.default}` : '',
    ].filter(Boolean);
    lines.push(`  ${left(o).padEnd(width)}${o.help}${notes.length ? ` (${notes.join('; ')})` : ''}`);
  }
  if (spec.environment?.length) {
    lines.push('', 'Environment:', ...spec.environment.map(([k, v]) => `  ${k.padEnd(width)}${v}`));
  }
  lines.push('', 'Exit codes:', ...spec.exitCodes.map(([c, v]) => `  ${c}  ${v}`));
  return `${lines.join('\n')}\n`;
}
