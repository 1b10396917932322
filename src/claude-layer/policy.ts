// The homelab's rules for managed settings, on top of what Claude Code accepts (settings-model).
// They read the raw data defensively (any shape), so a file with a schema error still gets
// every policy problem reported in the same run.
import * as path from 'node:path';
import { PathSegment } from '../roster/problems';
import { HOOKS_DIR, SOURCE } from './layout';
import { Finding } from './problems';
import { SHARED_AUTH_VARIABLES, secretMessages } from './secrets';

/** Managed hooks run in every session of every person and nobody can turn them off: a slow one stalls everyone. */
export const MAX_HOOK_TIMEOUT_SECONDS = 8;

/** The literal that splices Claude Code's built-in auto mode rules into a list. */
export const AUTO_MODE_DEFAULTS = '$defaults';
const AUTO_MODE_LISTS: readonly string[] = ['allow', 'soft_deny', 'hard_deny', 'environment'];

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const entries = (v: unknown): [string, unknown][] => (isObject(v) ? Object.entries(v) : []);
const items = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** (a)+(c): secret shapes and shared auth variables in any key or string value. */
export function secretFindings(data: unknown, at: PathSegment[] = []): Finding[] {
  if (typeof data === 'string') return secretMessages(data).map((message) => ({ path: at, message }));
  if (Array.isArray(data)) return data.flatMap((v, i) => secretFindings(v, [...at, i]));
  return entries(data).flatMap(([key, v]) => [
    ...secretMessages(key).map((message) => ({ path: [...at, key], message: `key ${message}` })),
    ...secretFindings(v, [...at, key]),
  ]);
}

const SECRET_KEY = /(?:_TOKEN|_KEY|_SECRET)$|PASSWORD/i;
const PER_USER_VALUES: readonly [RegExp, string][] = [
  [/\$\{?HOME\b/, '$HOME'],
  [/~/, '~'],
  [/\$\{?(?:USER|LOGNAME)\b/, '$USER'],
  [/\/home\/[^/\s]+/, 'a /home/<name> path'],
];

/**
 * (b): managed env is one value for everyone and overrides each person's shell, so it can hold
 * neither a secret nor anything that differs per person (it would point everybody at one home).
 */
export function envFindings(settings: unknown): Finding[] {
  const env = isObject(settings) ? settings.env : undefined;
  return entries(env).flatMap(([key, value]): Finding[] => {
    const at = ['env', key];
    const findings: Finding[] = [];
    // The auth variables already get their own message from secretFindings.
    if (SECRET_KEY.test(key) && !(SHARED_AUTH_VARIABLES as readonly string[]).includes(key)) {
      findings.push({ path: at, message: `"${key}" looks like a secret: managed env is readable by everyone, keep secrets per person` });
    }
    if (typeof value === 'string') {
      for (const [pattern, what] of PER_USER_VALUES) {
        if (pattern.test(value)) {
          findings.push({ path: at, message: `contains ${what}: managed env is one value for everyone, per-user values do not belong here` });
        }
      }
    }
    return findings;
  });
}

/**
 * (d): every managed hook runs a script this layer ships (installed root-owned in HOOKS_DIR) and
 * has a timeout of at most MAX_HOOK_TIMEOUT_SECONDS. A slow or user-writable managed hook
 * hurts everyone and cannot be turned off by them.
 */
export function hookFindings(settings: unknown, shippedScripts: ReadonlySet<string>): Finding[] {
  const hooks = isObject(settings) ? settings.hooks : undefined;
  return entries(hooks).flatMap(([event, matchers]) =>
    items(matchers).flatMap((matcher, m) =>
      items(isObject(matcher) ? matcher.hooks : undefined).flatMap((hook, h) => {
        const at: PathSegment[] = ['hooks', event, m, 'hooks', h];
        return isObject(hook) ? [...commandFindings(hook.command, at, shippedScripts), ...timeoutFindings(hook.timeout, at)] : [];
      }),
    ),
  );
}

function commandFindings(command: unknown, at: PathSegment[], shipped: ReadonlySet<string>): Finding[] {
  if (typeof command !== 'string') return [];
  const program = command.trim().split(/\s+/)[0] ?? '';
  const here = [...at, 'command'];
  if (!program.startsWith('/')) {
    return [{ path: here, message: `must start with an absolute path to a root-owned script in ${HOOKS_DIR}, got "${program}"` }];
  }
  const normal = path.posix.normalize(program);
  if (path.posix.dirname(normal) !== HOOKS_DIR) {
    return [{ path: here, message: `must run a script in ${HOOKS_DIR} (root-owned, installed by this layer), got "${program}"` }];
  }
  const name = path.posix.basename(normal);
  if (!shipped.has(name)) {
    return [{ path: here, message: `runs ${normal}, but the layer ships no ${SOURCE.hooks}/${name}` }];
  }
  return [];
}

function timeoutFindings(timeout: unknown, at: PathSegment[]): Finding[] {
  const here = [...at, 'timeout'];
  if (timeout === undefined) {
    return [{ path: here, message: `is required for managed hooks (at most ${MAX_HOOK_TIMEOUT_SECONDS} seconds; Claude Code's default is 600)` }];
  }
  if (typeof timeout === 'number' && timeout > MAX_HOOK_TIMEOUT_SECONDS) {
    return [{ path: here, message: `must be at most ${MAX_HOOK_TIMEOUT_SECONDS} seconds for managed hooks, got ${timeout}` }];
  }
  return [];
}

/**
 * (e): an autoMode list without "$defaults" replaces Claude Code's built-in rules for everyone;
 * putting it first keeps the defaults and states that ours only add to them.
 */
export function autoModeFindings(settings: unknown): Finding[] {
  const autoMode = isObject(settings) ? settings.autoMode : undefined;
  return entries(autoMode).flatMap(([list, value]): Finding[] =>
    AUTO_MODE_LISTS.includes(list) && Array.isArray(value) && value[0] !== AUTO_MODE_DEFAULTS
      ? [{ path: ['autoMode', list], message: `must begin with "${AUTO_MODE_DEFAULTS}", or it replaces Claude Code's built-in ${list} rules for everyone` }]
      : [],
  );
}

/** The layer's CLAUDE.md is the one source of org-wide instructions; claudeMd would be a second. */
export function claudeMdKeyFindings(settings: unknown): Finding[] {
  return isObject(settings) && 'claudeMd' in settings
    ? [{ path: ['claudeMd'], message: `use ${SOURCE.claudeMd} in the layer instead: one source for the org-wide instructions` }]
    : [];
}

/** Every policy rule that applies to one settings file. */
export function policyFindings(settings: unknown, shippedScripts: ReadonlySet<string>): Finding[] {
  return [
    ...secretFindings(settings),
    ...envFindings(settings),
    ...hookFindings(settings, shippedScripts),
    ...autoModeFindings(settings),
    ...claudeMdKeyFindings(settings),
  ];
}
