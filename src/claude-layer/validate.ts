// Validates the whole layer (base settings, drop-ins, CLAUDE.md, hook scripts) and returns
// every problem at once, sorted, each naming its file and key path (or line).
import { LayerSource, SettingsSource, TextSource } from './load';
import { policyFindings } from './policy';
import { LayerProblem, settingsProblem, sortLayerProblems, textProblem } from './problems';
import { secretMessages } from './secrets';
import { managedSettingsSchema } from './settings-model';
import { zodFindings } from './zod-problems';

/**
 * Drop-ins merge alphabetically after the base file; a two-digit prefix makes that order
 * explicit, and the name becomes a file name under /etc/claude-code/managed-settings.d/.
 */
export const DROP_IN_NAME = /^[0-9]{2}-[a-z0-9]+(?:-[a-z0-9]+)*$/;

export function validateLayer(layer: LayerSource): LayerProblem[] {
  const shipped = new Set(layer.hookScripts.map((s) => s.name));
  return sortLayerProblems([
    ...settingsProblems(layer.base, shipped),
    ...layer.dropIns.flatMap((d) => [...dropInNameProblems(d), ...settingsProblems(d, shipped)]),
    ...textProblems(layer.claudeMd),
    ...(layer.claudeMd.text.trim() === '' ? [{ file: layer.claudeMd.file, path: '(text)', message: 'is empty' }] : []),
    ...layer.hookScripts.flatMap(textProblems),
  ]);
}

function settingsProblems(source: SettingsSource, shipped: ReadonlySet<string>): LayerProblem[] {
  return [...zodFindings(managedSettingsSchema, source.data), ...policyFindings(source.data, shipped)].map((f) =>
    settingsProblem(source.file, f),
  );
}

function dropInNameProblems(source: SettingsSource): LayerProblem[] {
  return DROP_IN_NAME.test(source.name)
    ? []
    : [{ file: source.file, path: '(name)', message: `drop-in names are NN-lowercase-words (e.g. 10-auto-mode), got "${source.name}"` }];
}

/** Secrets and shared auth variables, line by line, in a text file the layer ships. */
function textProblems(source: TextSource): LayerProblem[] {
  return source.text
    .split('\n')
    .flatMap((lineText, i) => secretMessages(lineText).map((message) => textProblem(source.file, { path: [], line: i + 1, message })));
}
