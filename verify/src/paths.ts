import * as path from 'path';

/** The repository root (this file is compiled to .verify/js/). */
export const ROOT = path.resolve(__dirname, '..', '..');
/** Built tools. */
export const BIN = path.join(ROOT, '.verify', 'bin');
/** Sources generated for builds (never committed). */
export const GEN = path.join(ROOT, '.verify', 'gen');
/** Scratch space of one run (logs, rendered files, pod roots); recreated per run. */
export const WORK = path.join(ROOT, '.verify', 'run');
/** The CRDs the API server installs before applying our objects. */
export const CRDS = path.resolve(ROOT, '..', 'shared', 'crds');

export const bin = (name: string) => path.join(BIN, name);
