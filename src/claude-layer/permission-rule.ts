// Permission rules are `Tool` or `Tool(specifier)` (or an MCP tool name). Claude Code does not
// reject a rule naming a tool that does not exist: a misspelt tool in a deny rule silently
// denies nothing, so the tool name is checked against the known list.
import { closest, distance } from 'fastest-levenshtein';

/**
 * Built-in tools a rule may name, from the schemastore claude-code-settings.json
 * `$defs.permissionRule` pattern and https://code.claude.com/docs/en/tools-reference.
 * The schema lags the CLI: add a tool here when Claude Code ships one.
 */
export const KNOWN_TOOLS = [
  'Agent', 'Bash', 'Cd', 'Edit', 'ExitPlanMode', 'Glob', 'Grep', 'KillShell', 'LSP', 'Monitor',
  'MultiEdit', 'NotebookEdit', 'PowerShell', 'Read', 'Skill', 'TaskCreate', 'TaskGet', 'TaskList',
  'TaskOutput', 'TaskStop', 'TaskUpdate', 'TodoWrite', 'ToolSearch', 'WebFetch', 'WebSearch', 'Write',
] as const;

const RULE = /^([A-Za-z][A-Za-z0-9]*)(?:\((.*)\))?$/s;
const MCP_RULE = /^mcp__[A-Za-z0-9_-]+(?:__[A-Za-z0-9_*-]+)?$/;

/** Why `rule` is not a valid permission rule, or undefined when it is. */
export function permissionRuleProblem(rule: string): string | undefined {
  if (rule.startsWith('mcp__')) {
    return MCP_RULE.test(rule) ? undefined : 'must be mcp__<server> or mcp__<server>__<tool>';
  }
  const m = RULE.exec(rule);
  if (!m) return 'must be Tool or Tool(specifier)';
  const [, tool, specifier] = m;
  if (!(KNOWN_TOOLS as readonly string[]).includes(tool)) {
    const near = closest(tool, [...KNOWN_TOOLS]);
    const hint = distance(tool, near) <= Math.max(2, Math.floor(tool.length / 3)) ? ` (did you mean "${near}"?)` : '';
    return `unknown tool "${tool}"${hint}`;
  }
  if (specifier !== undefined && specifier.trim() === '') return 'has an empty specifier: write the tool alone to match every use';
  return undefined;
}
