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
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z0-9.-]+/, "an email address (a person's identity)"],
];

/** OTLP exporter header variables (all signals or one): `name=value` pairs, comma separated. */
const OTLP_HEADERS = /^OTEL_EXPORTER_OTLP_(?:(?:TRACES|METRICS|LOGS)_)?HEADERS$/;
/** Header names that carry a credential. */
const CREDENTIAL_HEADER = /^(?:authorization|proxy-authorization|cookie|x-api-key|api-key|x-auth-token|.*token.*|.*secret.*)$/i;
/**
 * OTel resource attributes naming a person. Claude Code labels each session's telemetry
 * with the signed-in user itself; a shared value would label everyone's as one person.
 */
const PERSON_ATTRIBUTE = /^(?:user|enduser)\./;

/**
 * (b): managed env is one value for everyone and overrides each person's shell, so it can hold
 * neither a secret nor anything that differs per person (it would point everybody at one home).
 * Shared non-secret values (a `model` default, the OpenTelemetry exporter settings the usage
 * dashboards need) are fine.
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
    if (typeof value !== 'string') return findings;
    for (const [pattern, what] of PER_USER_VALUES) {
      if (pattern.test(value)) {
        findings.push({ path: at, message: `contains ${what}: managed env is one value for everyone, per-user values do not belong here` });
      }
    }
    if (/\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/.test(value)) {
      findings.push({ path: at, message: 'contains a Bearer credential: managed env is readable by everyone, keep credentials out of it' });
    }
    if (OTLP_HEADERS.test(key)) {
      for (const name of pairNames(value).filter((n) => CREDENTIAL_HEADER.test(n))) {
        findings.push({
          path: at,
          message: `sets the "${name}" header: a collector credential in managed env is readable by everyone; send to a collector that needs none, or give it the credential outside this layer`,
        });
      }
    }
    if (key === 'OTEL_RESOURCE_ATTRIBUTES') {
      for (const name of pairNames(value).filter((n) => PERSON_ATTRIBUTE.test(n))) {
        findings.push({
          path: at,
          message: `sets "${name}": managed env is one value for everyone, so every person's telemetry would carry it; Claude Code adds the signed-in user itself`,
        });
      }
    }
    return findings;
  });
}

/** The names of `a=1,b=2` (OTel's W3C-baggage-style lists), trimmed and URL-decoded. */
function pairNames(value: string): string[] {
  return value
    .split(',')
    .map((pair) => pair.split('=')[0].trim())
    .filter(Boolean)
    .map((n) => {
      try {
        return decodeURIComponent(n);
      } catch {
        return n;
      }
    });
}

/**
 * Roots a host-provided hook script may live under: system trees that root owns on Debian.
 * Homes, /tmp, /var/tmp, /dev/shm and /run/user are places people write to.
 */
export const HOST_SCRIPT_ROOTS = ['/usr/', '/opt/'] as const;
const HOST_SCRIPT_PATH = /^\/[A-Za-z0-9._/-]+$/;

/**
 * (d): every managed hook runs an absolute path to a root-owned script and has a timeout of at
 * most MAX_HOOK_TIMEOUT_SECONDS (fail-open: a slow hook stalls everyone, and only `command`
 * hooks are modelled, so no hook can ask or decide by itself). The script is either one this
 * layer ships (installed root-owned in HOOKS_DIR) or one already on the host (e.g. the web
 * terminal's session-state hook) under HOST_SCRIPT_ROOTS: the layer does not ship it, and the
 * host agent checks at install time that it exists, is owned by root and that neither it nor
 * any parent directory is writable by anyone else (agent/steps/claude-layer.ts).
 */
export function hookFindings(settings: unknown, shippedScripts: ReadonlySet<string>): Finding[] {
  return hookCommands(settings).flatMap(({ at, command, timeout }) => [
    ...commandFindings(command, at, shippedScripts),
    ...timeoutFindings(timeout, at),
  ]);
}

interface HookCommand {
  readonly at: PathSegment[];
  readonly command: unknown;
  readonly timeout: unknown;
}

function hookCommands(settings: unknown): HookCommand[] {
  const hooks = isObject(settings) ? settings.hooks : undefined;
  return entries(hooks).flatMap(([event, matchers]) =>
    items(matchers).flatMap((matcher, m) =>
      items(isObject(matcher) ? matcher.hooks : undefined).flatMap((hook, h): HookCommand[] =>
        isObject(hook) ? [{ at: ['hooks', event, m, 'hooks', h], command: hook.command, timeout: hook.timeout }] : [],
      ),
    ),
  );
}

/** The program (first word) of a hook command. */
export const hookProgram = (command: string): string => command.trim().split(/\s+/)[0] ?? '';

/**
 * Absolute programs the managed hooks of one settings file run that the layer does not ship
 * (anything outside HOOKS_DIR, or a HOOKS_DIR name not in `shipped`): what the host must already
 * have. Sorted, no repeats. The agent calls it on the JSON it is about to install.
 */
export function hostScripts(settings: unknown, shipped: ReadonlySet<string>): string[] {
  const programs = hookCommands(settings)
    .map((h) => (typeof h.command === 'string' ? hookProgram(h.command) : ''))
    .filter((p) => p.startsWith('/'))
    .filter((p) => !(path.posix.dirname(p) === HOOKS_DIR && shipped.has(path.posix.basename(p))));
  return [...new Set(programs)].sort();
}

function commandFindings(command: unknown, at: PathSegment[], shipped: ReadonlySet<string>): Finding[] {
  if (typeof command !== 'string') return [];
  const program = hookProgram(command);
  const here = [...at, 'command'];
  if (!program.startsWith('/')) {
    return [{ path: here, message: `must start with an absolute path to a root-owned script (shipped in ${HOOKS_DIR}, or already on the host under ${HOST_SCRIPT_ROOTS.join(' or ')}), got "${program}"` }];
  }
  const normal = path.posix.normalize(program);
  if (normal === path.posix.join(HOOKS_DIR, path.posix.basename(normal)) && normal === program) {
    const name = path.posix.basename(normal);
    return shipped.has(name) ? [] : [{ path: here, message: `runs ${normal}, but the layer ships no ${SOURCE.hooks}/${name}` }];
  }
  if (!HOST_SCRIPT_PATH.test(program) || normal !== program || program.endsWith('/')) {
    return [{ path: here, message: `must be a plain absolute path (letters, digits, '.', '_', '-' and '/', no "..", "//" or "."), got "${program}"` }];
  }
  if (program.startsWith(`${HOOKS_DIR}/`)) {
    return [{ path: here, message: `must be a script directly in ${HOOKS_DIR} (installed by this layer), got "${program}"` }];
  }
  if (!HOST_SCRIPT_ROOTS.some((root) => program.startsWith(root))) {
    return [{ path: here, message: `runs a script outside ${HOST_SCRIPT_ROOTS.join(' and ')}: a host script must live where only root writes (not a home, /tmp or /run/user), got "${program}"` }];
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
