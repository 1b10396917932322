// The org-wide Claude Code managed layer: every validation rule with a failing example and the
// exact line it must produce, the repo's own layer, its rendered files, and determinism.
//
// Secret-looking strings are assembled from pieces so no scanner mistakes this file for a leak.
import { formatLayerProblem, HOOKS_DIR, InvalidLayerError, LayerSource, loadLayer, renderLayer, validateLayer } from '../../src/claude-layer';
import { canonicalJson } from '../../src/claude-layer/render';
import * as path from 'node:path';

const HOMELAB_FIXTURE = path.resolve(__dirname, '../fixtures/claude-layer-homelab');

const BASE_FILE = 'claude-layer/managed-settings.ts';
const DROP_IN_FILE = 'claude-layer/managed-settings.d/10-extra.ts';
const MD_FILE = 'claude-layer/CLAUDE.md';

const BASE = {
  permissions: { disableBypassPermissionsMode: 'disable', deny: ['Read(**/secrets/**)', 'Bash(rm -rf *)', 'WebFetch'] },
  env: { DISABLE_TELEMETRY: '1' },
  hooks: { SessionStart: [{ hooks: [{ type: 'command', command: `${HOOKS_DIR}/hello`, timeout: 5 }] }] },
  cleanupPeriodDays: 30,
};

function layer(base: unknown = BASE, parts: Partial<LayerSource> = {}): LayerSource {
  return {
    base: { file: BASE_FILE, name: 'managed-settings', data: base },
    dropIns: [],
    claudeMd: { file: MD_FILE, name: 'CLAUDE.md', text: '# Homelab\n\nUse the glossary.\n' },
    hookScripts: [{ file: 'claude-layer/hooks/hello', name: 'hello', text: '#!/bin/sh\nexit 0\n' }],
    ...parts,
  };
}

/** The base fixture with `patch` merged in at the top level. */
const withBase = (patch: Record<string, unknown>) => layer({ ...BASE, ...patch });
const withDropIn = (data: unknown, name = '10-extra', file = DROP_IN_FILE) => layer(BASE, { dropIns: [{ file, name, data }] });
const withHook = (hook: Record<string, unknown>) => withBase({ hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [hook] }] } });
const problems = (l: LayerSource) => validateLayer(l).map(formatLayerProblem);

const SECRETS: [string, string][] = [
  ['a GitHub token', 'gh' + 'p_' + 'x'.repeat(36)],
  ['a GitHub token', 'github' + '_pat_' + '1'.repeat(22) + '_' + 'y'.repeat(40)],
  ['an Anthropic API key', 'sk-' + 'ant-' + 'api03-' + 'z'.repeat(24)],
  ['an AWS access key id', 'AK' + 'IA' + 'Q'.repeat(16)],
  ['a Slack token', 'xo' + 'xb-' + '1234567890-abcdef'],
  ['a JWT', 'ey' + 'J' + 'h'.repeat(20) + '.ey' + 'J' + 'p'.repeat(20) + '.sig'],
  ['a PEM private key', '-----BEGIN ' + 'OPENSSH PRIVATE KEY-----'],
  ['a password-style assignment', 'export DB_PASS' + 'WORD=' + 'hunter22'],
  ['a password-style assignment', 'api_' + 'key:' + 'abcdef123'],
  ['a URL with a user:password part', 'postgres://' + 'admin:' + 'hunter22' + '@db.internal:5432/app'],
];
const secretMessage = (what: string) => `looks like ${what}: never commit secrets, keep them in Vault`;

test('the fixture layer is valid', () => {
  expect(problems(layer())).toEqual([]);
});

describe('(a) no secret-like value anywhere', () => {
  test.each(SECRETS)('%s in a settings value', (what, secret) => {
    expect(problems(withBase({ companyAnnouncements: ['Welcome', `note ${secret} end`] }))).toEqual([
      `${BASE_FILE} settings.companyAnnouncements.1: ${secretMessage(what)}`,
    ]);
  });

  test.each(SECRETS)('%s in CLAUDE.md, with its line', (what, secret) => {
    const text = `# Homelab\n\nsee ${secret}\n`;
    expect(problems(layer(BASE, { claudeMd: { file: MD_FILE, name: 'CLAUDE.md', text } }))).toEqual([
      `${MD_FILE}:3 (text): ${secretMessage(what)}`,
    ]);
  });

  test('in a hook script the layer ships', () => {
    const text = `#!/bin/sh\ncurl -H "x: ${SECRETS[0][1]}"\n`;
    expect(problems(layer(BASE, { hookScripts: [{ file: 'claude-layer/hooks/hello', name: 'hello', text }] }))).toEqual([
      `claude-layer/hooks/hello:2 (text): ${secretMessage('a GitHub token')}`,
    ]);
  });

  test('in a key, deep in a drop-in', () => {
    const secret = SECRETS[0][1];
    expect(problems(withDropIn({ autoMode: { environment: ['$defaults'], [secret]: ['x'] } }))).toEqual([
      `${DROP_IN_FILE} settings.autoMode.${secret}: key ${secretMessage('a GitHub token')}`,
      `${DROP_IN_FILE} settings.autoMode.${secret}: unknown key "${secret}": not a Claude Code setting this layer models`,
    ]);
  });

  test.each(['Use $VAULT_TOKEN from your shell', 'token=${VAULT_TOKEN}', 'password=<from Vault>', 'the secret: never commit it', 'https://vault.viktorbarzin.me/ui'])(
    'placeholders and prose pass: %s',
    (text) => {
      expect(problems(withBase({ companyAnnouncements: [text] }))).toEqual([]);
    },
  );
});

describe('(b) env holds nothing secret and nothing per person', () => {
  test.each(['HOMELAB_API_TOKEN', 'SOME_SIGNING_KEY', 'APP_SECRET', 'DB_PASSWORD_FILE'])('key %s looks secret', (key) => {
    expect(problems(withBase({ env: { [key]: 'x' } }))).toEqual([
      `${BASE_FILE} settings.env.${key}: "${key}" looks like a secret: managed env is readable by everyone, keep secrets per person`,
    ]);
  });

  test.each([
    ['$HOME/.cache/tool', '$HOME'],
    ['${HOME}/bin', '$HOME'],
    ['~/bin', '~'],
    ['${USER}-scratch', '$USER'],
    ['/srv/$USER', '$USER'],
    ['/home/wizard/.local/bin', 'a /home/<name> path'],
  ])('value %s is per-user', (value, what) => {
    expect(problems(withBase({ env: { TOOL_PATH: value } }))).toEqual([
      `${BASE_FILE} settings.env.TOOL_PATH: contains ${what}: managed env is one value for everyone, per-user values do not belong here`,
    ]);
  });
});

describe('(b2) the homelab says today: model default and OpenTelemetry env', () => {
  const OTEL = {
    CLAUDE_CODE_ENABLE_TELEMETRY: '1',
    OTEL_METRICS_EXPORTER: 'otlp',
    OTEL_LOGS_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.example.com:4318',
    OTEL_RESOURCE_ATTRIBUTES: 'service.namespace=homelab,deployment.environment=devvm',
    OTEL_EXPORTER_OTLP_HEADERS: 'x-scope-orgid=homelab',
    OTEL_METRIC_EXPORT_INTERVAL: '60000',
  };
  const envAt = (key: string) => `${DROP_IN_FILE} settings.env.${key}`;

  test('a model default and non-secret OTel settings pass', () => {
    expect(problems(withDropIn({ model: 'opus', env: OTEL }))).toEqual([]);
  });

  test('the fixture layer of the homelab is valid and lists the host script it expects', () => {
    const fixture = loadLayer(HOMELAB_FIXTURE);
    expect(problems(fixture)).toEqual([]);
    expect(renderLayer(fixture).hostScripts).toEqual(['/usr/local/lib/t3/session-state-hook']);
    expect(renderLayer().hostScripts).toEqual([]);
  });

  test.each(['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_METRICS_HEADERS', 'OTEL_EXPORTER_OTLP_LOGS_HEADERS'])('%s with an Authorization header', (key) => {
    const value = 'x-scope-orgid=homelab,Authorization=Basic%20' + 'b'.repeat(6);
    expect(problems(withDropIn({ env: { [key]: value } }))).toEqual([
      `${envAt(key)}: sets the "Authorization" header: a collector credential in managed env is readable by everyone; send to a collector that needs none, or give it the credential outside this layer`,
    ]);
  });

  test('a Bearer credential anywhere in env, also in a header', () => {
    const value = 'authorization=Bearer ' + 'q'.repeat(24);
    expect(problems(withDropIn({ env: { OTEL_EXPORTER_OTLP_HEADERS: value, OTHER: 'Bearer ' + 'r'.repeat(12) } }))).toEqual([
      `${envAt('OTEL_EXPORTER_OTLP_HEADERS')}: contains a Bearer credential: managed env is readable by everyone, keep credentials out of it`,
      `${envAt('OTEL_EXPORTER_OTLP_HEADERS')}: sets the "authorization" header: a collector credential in managed env is readable by everyone; send to a collector that needs none, or give it the credential outside this layer`,
      `${envAt('OTHER')}: contains a Bearer credential: managed env is readable by everyone, keep credentials out of it`,
    ]);
  });

  test('an api-key header is both a secret shape and a credential header', () => {
    expect(problems(withDropIn({ env: { OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=' + 'k'.repeat(10) } }))).toEqual([
      `${envAt('OTEL_EXPORTER_OTLP_HEADERS')}: looks like a password-style assignment: never commit secrets, keep them in Vault`,
      `${envAt('OTEL_EXPORTER_OTLP_HEADERS')}: sets the "x-api-key" header: a collector credential in managed env is readable by everyone; send to a collector that needs none, or give it the credential outside this layer`,
    ]);
  });

  test('resource attributes naming a person', () => {
    expect(problems(withDropIn({ env: { OTEL_RESOURCE_ATTRIBUTES: 'service.namespace=homelab,user.name=wizard' } }))).toEqual([
      `${envAt('OTEL_RESOURCE_ATTRIBUTES')}: sets "user.name": managed env is one value for everyone, so every person's telemetry would carry it; Claude Code adds the signed-in user itself`,
    ]);
  });

  test('an email address is a person, in any env value', () => {
    expect(problems(withDropIn({ env: { OTEL_RESOURCE_ATTRIBUTES: 'enduser.id=vbarzin@example.com' } }))).toEqual([
      `${envAt('OTEL_RESOURCE_ATTRIBUTES')}: contains an email address (a person's identity): managed env is one value for everyone, per-user values do not belong here`,
      `${envAt('OTEL_RESOURCE_ATTRIBUTES')}: sets "enduser.id": managed env is one value for everyone, so every person's telemetry would carry it; Claude Code adds the signed-in user itself`,
    ]);
  });

  test('a model default with a secret shape is still refused', () => {
    expect(problems(withDropIn({ model: 'sk-' + 'ant-' + 'x'.repeat(12) }))).toEqual([
      `${DROP_IN_FILE} settings.model: ${secretMessage('an Anthropic API key')}`,
    ]);
  });
});

describe('(c) never name the shared auth variables', () => {
  const collapse = (name: string) => `names ${name}: a machine-wide value would collapse everyone's Claude identity into one`;

  test.each(['CLAUDE_CODE_OAUTH_TOKEN', 'ANTHROPIC_API_KEY'])('%s as an env key', (name) => {
    expect(problems(withBase({ env: { [name]: 'set-me' } }))).toEqual([`${BASE_FILE} settings.env.${name}: key ${collapse(name)}`]);
  });

  test('inside any string, e.g. a deny rule of a drop-in', () => {
    expect(problems(withDropIn({ permissions: { deny: ['Bash(echo $CLAUDE_CODE_OAUTH_TOKEN)'] } }))).toEqual([
      `${DROP_IN_FILE} settings.permissions.deny.0: ${collapse('CLAUDE_CODE_OAUTH_TOKEN')}`,
    ]);
  });

  test('in CLAUDE.md', () => {
    const text = '# Homelab\nexport ANTHROPIC_API_KEY from Vault\n';
    expect(problems(layer(BASE, { claudeMd: { file: MD_FILE, name: 'CLAUDE.md', text } }))).toEqual([
      `${MD_FILE}:2 (text): ${collapse('ANTHROPIC_API_KEY')}`,
    ]);
  });
});

describe('(d) managed hooks: absolute root-owned script, timeout at most 8 s', () => {
  const at = `${BASE_FILE} settings.hooks.PreToolUse.0.hooks.0`;

  const mustStart = `must start with an absolute path to a root-owned script (shipped in ${HOOKS_DIR}, or already on the host under /usr/ or /opt/)`;

  test('a relative command', () => {
    expect(problems(withHook({ type: 'command', command: 'hooks/check.sh --fast', timeout: 5 }))).toEqual([
      `${at}.command: ${mustStart}, got "hooks/check.sh"`,
    ]);
  });

  test.each(['/home/wizard/hook.sh', '/tmp/hook.sh', '/run/user/1000/hook', '/srv/hooks/x'])('a host script outside /usr and /opt: %s', (command) => {
    expect(problems(withHook({ type: 'command', command, timeout: 5 }))).toEqual([
      `${at}.command: runs a script outside /usr/ and /opt/: a host script must live where only root writes (not a home, /tmp or /run/user), got "${command}"`,
    ]);
  });

  test.each([`${HOOKS_DIR}/../../../../tmp/hook.sh`, '/usr/local//lib/x', '/usr/./lib/x', '/usr/lib/x/', '/usr/lib/$(id)'])('a path that is not plain: %s', (command) => {
    expect(problems(withHook({ type: 'command', command, timeout: 5 }))).toEqual([
      `${at}.command: must be a plain absolute path (letters, digits, '.', '_', '-' and '/', no "..", "//" or "."), got "${command}"`,
    ]);
  });

  test('a subdirectory of the hooks dir', () => {
    expect(problems(withHook({ type: 'command', command: `${HOOKS_DIR}/sub/hello`, timeout: 5 }))).toEqual([
      `${at}.command: must be a script directly in ${HOOKS_DIR} (installed by this layer), got "${HOOKS_DIR}/sub/hello"`,
    ]);
  });

  test.each(['/usr/local/lib/t3/session-state-hook busy', '/opt/t3/bin/state-hook'])('a root-owned script already on the host passes (the agent checks it): %s', (command) => {
    expect(problems(withHook({ type: 'command', command, timeout: 8 }))).toEqual([]);
  });

  test('a host script still needs a timeout of at most 8 seconds', () => {
    expect(problems(withHook({ type: 'command', command: '/usr/local/lib/t3/session-state-hook', timeout: 30 }))).toEqual([
      `${at}.timeout: must be at most 8 seconds for managed hooks, got 30`,
    ]);
    expect(problems(withHook({ type: 'command', command: '/usr/local/lib/t3/session-state-hook' }))).toEqual([
      `${at}.timeout: is required for managed hooks (at most 8 seconds; Claude Code's default is 600)`,
    ]);
  });

  test('a script the layer does not ship', () => {
    expect(problems(withHook({ type: 'command', command: `${HOOKS_DIR}/missing`, timeout: 5 }))).toEqual([
      `${at}.command: runs ${HOOKS_DIR}/missing, but the layer ships no hooks/missing`,
    ]);
  });

  test('no timeout', () => {
    expect(problems(withHook({ type: 'command', command: `${HOOKS_DIR}/hello` }))).toEqual([
      `${at}.timeout: is required for managed hooks (at most 8 seconds; Claude Code's default is 600)`,
    ]);
  });

  test('a timeout above 8 seconds', () => {
    expect(problems(withHook({ type: 'command', command: `${HOOKS_DIR}/hello`, timeout: 9 }))).toEqual([
      `${at}.timeout: must be at most 8 seconds for managed hooks, got 9`,
    ]);
  });

  test('8 seconds and arguments are fine', () => {
    expect(problems(withHook({ type: 'command', command: `${HOOKS_DIR}/hello --quiet`, timeout: 8 }))).toEqual([]);
  });

  test('only command hooks', () => {
    expect(problems(withHook({ type: 'http', url: 'https://hooks.example/x', timeout: 5 }))).toEqual([
      `${at}.command: is required (string)`,
      `${at}.type: expected one of "command", got "http"`,
      `${at}.url: unknown key "url": not a Claude Code setting this layer models`,
    ]);
  });
});

describe('(e) autoMode lists begin with "$defaults"', () => {
  test.each([
    ['environment', ['Trusted: github.com/example', '$defaults']],
    ['soft_deny', []],
    ['hard_deny', ['Never delete volumes']],
  ])('autoMode.%s', (list, value) => {
    expect(problems(withDropIn({ autoMode: { [list]: value } }))).toEqual([
      `${DROP_IN_FILE} settings.autoMode.${list}: must begin with "$defaults", or it replaces Claude Code's built-in ${list} rules for everyone`,
    ]);
  });

  test('lists that begin with "$defaults" pass', () => {
    const autoMode = { allow: ['$defaults'], soft_deny: ['$defaults', 'No force push'], hard_deny: ['$defaults'], environment: ['$defaults', 'x'] };
    expect(problems(withDropIn({ autoMode }))).toEqual([]);
  });
});

describe('(f) keys Claude Code does not know', () => {
  test('a misspelt top-level key, with a suggestion', () => {
    expect(problems(withBase({ permisions: { deny: ['Read'] } }))).toEqual([
      `${BASE_FILE} settings.permisions: unknown key "permisions": not a Claude Code setting this layer models (did you mean "permissions"?)`,
    ]);
  });

  test('a nested key', () => {
    expect(problems(withBase({ permissions: { deny: ['Read'], denny: ['Write'] } }))).toEqual([
      `${BASE_FILE} settings.permissions.denny: unknown key "denny": not a Claude Code setting this layer models (did you mean "deny"?)`,
    ]);
  });

  test('a hook event', () => {
    expect(problems(withBase({ hooks: { SessionStrat: [] } }))).toEqual([
      `${BASE_FILE} settings.hooks.SessionStrat: unknown key "SessionStrat": not a Claude Code setting this layer models (did you mean "SessionStart"?)`,
    ]);
  });

  test('a key with nothing close', () => {
    expect(problems(withBase({ apiKeyHelper: '/usr/local/bin/helper' }))).toEqual([
      `${BASE_FILE} settings.apiKeyHelper: unknown key "apiKeyHelper": not a Claude Code setting this layer models`,
    ]);
  });

  test('a value of the wrong shape', () => {
    expect(problems(withBase({ cleanupPeriodDays: 0, permissions: { defaultMode: 'yolo' } }))).toEqual([
      `${BASE_FILE} settings.cleanupPeriodDays: must be at least 1, got number 0`,
      `${BASE_FILE} settings.permissions.defaultMode: expected one of "default", "acceptEdits", "plan", "auto", "dontAsk", "bypassPermissions", got "yolo"`,
    ]);
  });
});

describe('permission rules', () => {
  test('a misspelt tool denies nothing, so it is an error', () => {
    expect(problems(withBase({ permissions: { deny: ['Read(//x)', 'Bash(rm *)', 'Raed(**/secrets/**)'] } }))).toEqual([
      `${BASE_FILE} settings.permissions.deny.2: unknown tool "Raed" (did you mean "Read"?), got "Raed(**/secrets/**)"`,
    ]);
  });

  test.each([
    ['Bash(', 'must be Tool or Tool(specifier)'],
    ['Read()', 'has an empty specifier: write the tool alone to match every use'],
    ['mcp__', 'must be mcp__<server> or mcp__<server>__<tool>'],
  ])('%s', (rule, message) => {
    expect(problems(withBase({ permissions: { ask: [rule] } }))).toEqual([
      `${BASE_FILE} settings.permissions.ask.0: ${message}, got ${JSON.stringify(rule)}`,
    ]);
  });

  test('a repeated rule', () => {
    expect(problems(withBase({ permissions: { allow: ['Bash(ls *)', 'Grep', 'Bash(ls *)'] } }))).toEqual([
      `${BASE_FILE} settings.permissions.allow.2: repeats item 0, got "Bash(ls *)"`,
    ]);
  });

  test('MCP tools and every known form pass', () => {
    const allow = ['mcp__github', 'mcp__github__search_repositories', 'WebFetch(domain:viktorbarzin.me)', 'Agent(Explore)', 'Edit(/src/**/*.ts)'];
    expect(problems(withBase({ permissions: { allow } }))).toEqual([]);
  });
});

describe('layer-wide rules', () => {
  test('drop-in names carry a two-digit order prefix', () => {
    expect(problems(withDropIn({}, 'auto-mode', 'claude-layer/managed-settings.d/auto-mode.ts'))).toEqual([
      'claude-layer/managed-settings.d/auto-mode.ts (name): drop-in names are NN-lowercase-words (e.g. 10-auto-mode), got "auto-mode"',
    ]);
  });

  test('claudeMd is refused: CLAUDE.md is the one source of org-wide instructions', () => {
    expect(problems(withBase({ claudeMd: 'Be nice.' }))).toEqual([
      `${BASE_FILE} settings.claudeMd: use CLAUDE.md in the layer instead: one source for the org-wide instructions`,
    ]);
  });

  test('an empty CLAUDE.md', () => {
    expect(problems(layer(BASE, { claudeMd: { file: MD_FILE, name: 'CLAUDE.md', text: ' \n' } }))).toEqual([`${MD_FILE} (text): is empty`]);
  });

  test('a file without a settings export', () => {
    const noExport: LayerSource = { ...layer(), base: { file: BASE_FILE, name: 'managed-settings', data: undefined } };
    expect(problems(noExport)).toEqual([`${BASE_FILE} settings: is required (object)`]);
  });

  test('every problem of every file at once, sorted by file then path', () => {
    const l = layer(
      { ...BASE, permisions: {}, env: { GH_TOKEN: '~' } },
      { dropIns: [{ file: DROP_IN_FILE, name: '10-extra', data: { autoMode: { allow: ['x'] } } }] },
    );
    expect(problems(l)).toEqual([
      `${DROP_IN_FILE} settings.autoMode.allow: must begin with "$defaults", or it replaces Claude Code's built-in allow rules for everyone`,
      `${BASE_FILE} settings.env.GH_TOKEN: "GH_TOKEN" looks like a secret: managed env is readable by everyone, keep secrets per person`,
      `${BASE_FILE} settings.env.GH_TOKEN: contains ~: managed env is one value for everyone, per-user values do not belong here`,
      `${BASE_FILE} settings.permisions: unknown key "permisions": not a Claude Code setting this layer models (did you mean "permissions"?)`,
    ]);
  });
});

describe("the repo's own layer", () => {
  test('is valid', () => {
    expect(problems(loadLayer())).toEqual([]);
  });

  test('loads its drop-ins in merge order', () => {
    const names = loadLayer().dropIns.map((d) => d.name);
    expect(names).toEqual([...names].sort());
  });

  test('renders to these files', () => {
    const rendered = renderLayer();
    expect({
      files: Object.fromEntries(rendered.files.map((f) => [f.path, f.content])),
      modes: Object.fromEntries([...rendered.files, ...rendered.hookScripts].map((f) => [f.path, f.mode.toString(8)])),
      sha256: rendered.sha256,
    }).toMatchSnapshot();
  });

  test('never disables the bypass-mode lock and always denies reading Claude logins', () => {
    const base = JSON.parse(renderLayer().files.find((f) => f.path === 'managed-settings.json')!.content);
    expect(base.permissions.disableBypassPermissionsMode).toBe('disable');
    expect(base.permissions.deny).toContain('Read(//home/*/.claude/.credentials.json)');
    expect(base.model).toBeUndefined();
  });
});

describe('rendering', () => {
  test('JSON has sorted keys at every depth, array order kept, 2-space indent and a final newline', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe(
      '{\n  "a": {\n    "c": "x",\n    "d": [\n      3,\n      {\n        "y": 2,\n        "z": 1\n      }\n    ]\n  },\n  "b": 1\n}\n',
    );
  });

  test('is deterministic: the same layer twice gives identical files and hash', () => {
    expect(renderLayer(loadLayer())).toEqual(renderLayer(loadLayer()));
  });

  test('key order of the source does not matter', () => {
    const reversed = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(reversed) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversed(x)])) : v;
    const own = loadLayer();
    const shuffled: LayerSource = { ...own, base: { ...own.base, data: reversed(own.base.data) }, dropIns: own.dropIns.map((d) => ({ ...d, data: reversed(d.data) })) };
    expect(JSON.stringify(shuffled.base.data)).not.toEqual(JSON.stringify(own.base.data));
    expect(renderLayer(shuffled)).toEqual(renderLayer(own));
  });

  test('line endings and trailing blank lines of text files do not change the hash', () => {
    const own = loadLayer();
    const crlf: LayerSource = { ...own, claudeMd: { ...own.claudeMd, text: own.claudeMd.text.replace(/\n/g, '\r\n') + '\r\n\r\n' } };
    expect(renderLayer(crlf).sha256).toBe(renderLayer(own).sha256);
  });

  test('any content change changes the hash', () => {
    const own = loadLayer();
    const base = renderLayer(own).sha256;
    const edited: LayerSource = { ...own, claudeMd: { ...own.claudeMd, text: `${own.claudeMd.text}\nOne more line.\n` } };
    const script: LayerSource = { ...own, hookScripts: own.hookScripts.map((s) => ({ ...s, text: `${s.text}# changed\n` })) };
    expect(renderLayer(edited).sha256).not.toBe(base);
    expect(renderLayer(script).sha256).not.toBe(base);
  });

  test('an invalid layer is never rendered', () => {
    const render = () => renderLayer(withBase({ env: { ANTHROPIC_API_KEY: 'x' } }));
    expect(render).toThrow(InvalidLayerError);
    expect(render).toThrow(`${BASE_FILE} settings.env.ANTHROPIC_API_KEY: key names ANTHROPIC_API_KEY`);
  });
});
