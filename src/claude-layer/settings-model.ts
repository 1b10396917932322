// The Claude Code settings keys this layer may emit, as strict zod objects: a key that is not
// here is rejected, because Claude Code ignores unknown keys silently and a misspelt managed
// key is a policy that quietly does nothing.
//
// Sources: https://code.claude.com/docs/en/settings, /permissions, /hooks, /auto-mode-config,
// and the schemastore claude-code-settings.json schema. Only keys confirmed there are modelled;
// add a key here (with its doc link) before using it in claude-layer/.
import { z } from 'zod';
import { permissionRuleProblem } from './permission-rule';

const nonEmpty = z.string().min(1);

const permissionRule = z.string().superRefine((rule, ctx) => {
  const problem = permissionRuleProblem(rule);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** allow/ask/deny lists; the schema declares them uniqueItems, and a duplicate is always a slip. */
const ruleList = z.array(permissionRule).superRefine((rules, ctx) => {
  rules.forEach((rule, i) => {
    const first = rules.indexOf(rule);
    if (first !== i) ctx.addIssue({ code: 'custom', path: [i], message: `repeats item ${first}` });
  });
});

/** https://code.claude.com/docs/en/permissions (documented modes only). */
export const PERMISSION_MODES = ['default', 'acceptEdits', 'plan', 'auto', 'dontAsk', 'bypassPermissions'] as const;

const permissions = z.strictObject({
  allow: ruleList.optional(),
  ask: ruleList.optional(),
  deny: ruleList.optional(),
  defaultMode: z.enum(PERMISSION_MODES).optional(),
  disableBypassPermissionsMode: z.literal('disable').optional(),
  disableAutoMode: z.literal('disable').optional(),
  additionalDirectories: z.array(nonEmpty).optional(),
});

/** Environment variable names as the schema allows them (`propertyNames`). */
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name (A-Z, 0-9, _)');

/** Hook events of https://code.claude.com/docs/en/hooks (those marked undocumented in the schema are left out). */
export const HOOK_EVENTS = [
  'PreToolUse', 'PostToolUse', 'PostToolUseFailure', 'PostToolBatch', 'PermissionRequest', 'PermissionDenied',
  'Notification', 'UserPromptSubmit', 'UserPromptExpansion', 'Stop', 'StopFailure', 'SubagentStart',
  'SubagentStop', 'TaskCreated', 'TaskCompleted', 'TeammateIdle', 'PreCompact', 'PostCompact', 'Elicitation',
  'ElicitationResult', 'InstructionsLoaded', 'CwdChanged', 'FileChanged', 'ConfigChange', 'WorktreeCreate',
  'WorktreeRemove', 'SessionStart', 'SessionEnd',
] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

/**
 * Only `command` hooks: managed hooks run for every person and cannot be removed by them, so
 * they are root-owned scripts on the host (no prompt/agent/http/mcp_tool hooks from this layer).
 * `timeout` is optional to Claude Code (default 600 s); the layer policy requires it.
 */
const commandHook = z.strictObject({
  type: z.literal('command'),
  command: nonEmpty,
  timeout: z.number().positive().optional(),
  async: z.boolean().optional(),
  statusMessage: z.string().optional(),
});

const hookMatcher = z.strictObject({
  matcher: z.string().optional(),
  hooks: z.array(commandHook).min(1),
});

const hooks = z.strictObject(
  Object.fromEntries(HOOK_EVENTS.map((event) => [event, z.array(hookMatcher).optional()])) as Record<
    HookEvent,
    z.ZodOptional<z.ZodArray<typeof hookMatcher>>
  >,
);

/**
 * https://code.claude.com/docs/en/auto-mode-config. Each list REPLACES the built-in section
 * unless it holds the literal "$defaults" (spliced in at that position, Claude Code >= 2.1.118).
 */
const autoMode = z.strictObject({
  allow: z.array(nonEmpty).optional(),
  soft_deny: z.array(nonEmpty).optional(),
  hard_deny: z.array(nonEmpty).optional(),
  environment: z.array(nonEmpty).optional(),
});

/**
 * Marketplace sources for strictKnownMarketplaces / blockedMarketplaces. The `url` source's
 * `headers` is left out on purpose: it carries credentials, and managed settings are world-readable.
 */
const marketplaceSource = z.discriminatedUnion('source', [
  z.strictObject({ source: z.literal('github'), repo: nonEmpty, ref: z.string().optional(), path: z.string().optional() }),
  z.strictObject({ source: z.literal('git'), url: nonEmpty, ref: z.string().optional(), path: z.string().optional() }),
  z.strictObject({ source: z.literal('url'), url: nonEmpty }),
  z.strictObject({ source: z.literal('npm'), package: nonEmpty }),
  z.strictObject({ source: z.literal('file'), path: nonEmpty }),
  z.strictObject({ source: z.literal('directory'), path: nonEmpty }),
  z.strictObject({ source: z.literal('hostPattern'), hostPattern: nonEmpty }),
  z.strictObject({ source: z.literal('pathPattern'), pathPattern: nonEmpty }),
]);

export const managedSettingsSchema = z.strictObject({
  permissions: permissions.optional(),
  /** Applied to every session and overriding the shell: shared, non-secret values only. */
  env: z.record(envName, z.string()).optional(),
  hooks: hooks.optional(),
  disableAllHooks: z.boolean().optional(),
  /** A default, not a lock: people may still switch with /model. */
  model: nonEmpty.optional(),
  cleanupPeriodDays: z.number().int().min(1).optional(),
  attribution: z.strictObject({ commit: z.string().optional(), pr: z.string().optional() }).optional(),
  includeGitInstructions: z.boolean().optional(),
  autoMode: autoMode.optional(),
  autoUpdatesChannel: z.enum(['stable', 'latest']).optional(),
  forceLoginMethod: z.enum(['claudeai', 'console']).optional(),
  companyAnnouncements: z.array(nonEmpty).optional(),
  // Managed-only keys (see MANAGED_ONLY_KEYS).
  allowManagedHooksOnly: z.boolean().optional(),
  allowManagedPermissionRulesOnly: z.boolean().optional(),
  allowManagedMcpServersOnly: z.boolean().optional(),
  strictKnownMarketplaces: z.array(marketplaceSource).optional(),
  blockedMarketplaces: z.array(marketplaceSource).optional(),
  claudeMd: z.string().optional(),
});

/** What a managed settings file (the base or a drop-in) may hold; every key is optional. */
export type ManagedSettings = z.input<typeof managedSettingsSchema>;

/**
 * Keys Claude Code honours only from managed settings (ignored in user and project files),
 * per the settings and permissions docs. They are why some policy can only live in this layer.
 */
export const MANAGED_ONLY_KEYS = [
  'allowManagedHooksOnly',
  'allowManagedPermissionRulesOnly',
  'allowManagedMcpServersOnly',
  'strictKnownMarketplaces',
  'blockedMarketplaces',
  'claudeMd',
] as const satisfies readonly (keyof ManagedSettings)[];
