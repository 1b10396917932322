// Types for live-inputs-guard.js (plain CommonJS so `node --require` can load it).
/** The live inputs, relative to the repository root. */
export declare const LIVE_INPUTS: readonly string[];
/** Reads a live input past the guard: only for checks no roster edit can break. */
export declare function readLiveInput(rel: string): string;
/** Absolute path of the guard, for `node --require`. */
export declare const GUARD_FILE: string;
