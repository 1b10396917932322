// The editor schemas work in the real editor backend: yaml-language-server (the engine of
// the VS Code YAML extension and of most editors' YAML support) is started over stdio as
// an LSP server, fixtures carrying the `# yaml-language-server: $schema=...` modeline are
// opened, and the diagnostics it publishes are checked. No network: the schema store is
// off and the schemas are local files.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspClient } from '../support/lsp-client';
import { REPO_ROOT } from '../support/inputs';

interface Diagnostic {
  readonly range: { start: { line: number; character: number } };
  readonly message: string;
  readonly severity?: number;
}

const SERVER = join(REPO_ROOT, 'node_modules/yaml-language-server/bin/yaml-language-server');
const YAML_SETTINGS = { validate: true, hover: true, completion: true, schemas: {}, schemaStore: { enable: false } };
const WAIT_MS = 20000;

let server: LspClient;

beforeAll(async () => {
  server = new LspClient([process.execPath, SERVER, '--stdio'], (method) =>
    // workspace/configuration asks for the sections yaml, http, [yaml], editor in order.
    method === 'workspace/configuration' ? [YAML_SETTINGS, {}, {}, {}] : null,
  );
  await server.request('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(REPO_ROOT).href,
    workspaceFolders: [{ uri: pathToFileURL(REPO_ROOT).href, name: 'devvm-workstations' }],
    capabilities: { workspace: { configuration: true }, textDocument: { publishDiagnostics: {} } },
  }, WAIT_MS);
  server.notify('initialized', {});
  server.notify('workspace/didChangeConfiguration', { settings: { yaml: YAML_SETTINGS } });
});

afterAll(async () => {
  await server?.close();
});

/** Opens a fixture and returns the first diagnostics published for it that satisfy `done`. */
async function diagnostics(fixture: string, done: (d: Diagnostic[]) => boolean, what: string): Promise<Diagnostic[]> {
  const file = join(REPO_ROOT, 'test/fixtures', fixture);
  const uri = pathToFileURL(file).href;
  server.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text: readFileSync(file, 'utf8') } });
  const params = (await server.waitFor(
    'textDocument/publishDiagnostics',
    (p) => (p as { uri: string }).uri === uri && done((p as { diagnostics: Diagnostic[] }).diagnostics),
    WAIT_MS,
    `yaml-language-server published no ${what} for ${fixture}`,
  )) as { diagnostics: Diagnostic[] };
  return params.diagnostics;
}

const lines = (ds: Diagnostic[]) => ds.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`).sort();

test('a misspelt key in the roster is flagged on its line', async () => {
  const ds = await diagnostics('editor-misspelt-roster.yaml', (d) => d.length > 0, 'diagnostics');
  // The server also reports the mapping that now lacks "tier" (line 5, the person).
  expect(lines(ds)).toEqual(expect.arrayContaining(['8:5 Property teir is not allowed.']));
  expect(ds.every((d) => d.range.start.line + 1 === 8 || /tier/.test(d.message))).toBe(true);
});

test('a site value breaking a pattern shows the rule in words', async () => {
  // patternErrorMessage: the editor says what validate says, at the same line and column.
  const ds = await diagnostics('broken-site.yaml', (d) => d.length > 0, 'diagnostics');
  expect(lines(ds)).toEqual(['13:8 must be a size like 512M, 12G or 1T (integer with K, M, G or T)']);
});

test('a valid roster gets no diagnostics', async () => {
  // Opened after the misspelt one, whose diagnostics prove the schema is loaded and applied.
  expect(lines(await diagnostics('editor-valid-roster.yaml', () => true, 'diagnostics'))).toEqual([]);
});

test('an os_user that is no label value and a web_key with "=" are flagged in words', async () => {
  const ds = await diagnostics('editor-label-roster.yaml', (d) => d.length >= 2, 'diagnostics');
  expect(lines(ds)).toEqual([
    "12:16 must start with a letter or digit and contain only letters, digits, '.', '_', '+' and '-' (at most 150 characters)",
    "13:3 must be a Unix account name that is also a Kubernetes label value: a lowercase letter, then at most 31 lowercase letters, digits, '_' or '-', ending with a letter or digit",
  ]);
});
