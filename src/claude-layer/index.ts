// Public API of the org-wide Claude Code managed layer: load the source, validate it, render it.
export { HOOKS_DIR, LAYER_SOURCE_DIR, MANAGED_DIR, MANAGED_FILES } from './layout';
export { loadLayer } from './load';
export type { LayerSource, SettingsSource, TextSource } from './load';
export { formatLayerProblem, InvalidLayerError } from './problems';
export type { LayerProblem } from './problems';
export { canonicalJson, renderLayer } from './render';
export type { RenderedFile, RenderedLayer } from './render';
export { HOOK_EVENTS, MANAGED_ONLY_KEYS, managedSettingsSchema } from './settings-model';
export type { ManagedSettings } from './settings-model';
export { validateLayer } from './validate';
