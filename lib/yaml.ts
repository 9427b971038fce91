/**
 * The one `yaml` module of the process: the copy cdk8s bundles and writes
 * every manifest with (`Yaml.stringify`). The package reads config files and
 * writes its config files with the same module, so a synth loads (and warms
 * up) one YAML library, not two copies of it. Resolved the way cdk8s resolves
 * it, so it is the top-level `yaml` if cdk8s ever stops bundling its own.
 * The package's own `yaml` dependency (the same version) provides the types.
 */
import * as path from 'path';
import type * as YAML from 'yaml';

const cdk8sDir = path.dirname(require.resolve('cdk8s/package.json'));

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const yaml: typeof YAML = require(require.resolve('yaml', { paths: [cdk8sDir] }));
