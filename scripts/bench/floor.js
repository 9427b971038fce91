/**
 * The floor of a synth: a process that loads only the YAML library cdk8s
 * serialises with (its bundled `yaml`), reads the rendered objects (JSON,
 * written by inproc.js) and writes the same objects to the same files, with
 * the serialisation cdk8s `Yaml.stringify` uses, and each file's
 * prerequisites file beside it (its text as rendered: a few lines), and the
 * record of the files written (.otel-lgtm-k8s-files, its text as rendered).
 * Nothing else.
 *
 *     node scripts/bench/floor.js <objects.json> <outdir>
 */
const fs = require('fs');
const path = require('path');

const [, , objectsFile, outdir] = process.argv;
// cdk8s serialises with its own bundled copy of `yaml`; the floor uses that same copy.
const YAML = require(require.resolve('yaml', { paths: [path.dirname(require.resolve('cdk8s/package.json'))] }));
const { files, record } = JSON.parse(fs.readFileSync(objectsFile, 'utf8'));
fs.mkdirSync(outdir, { recursive: true });
fs.writeFileSync(path.join(outdir, record.fileName), record.text);
for (const f of files) {
  const text = f.objects.map((o) => YAML.stringify(o, { keepUndefined: true, lineWidth: 0, version: '1.1' })).join('---\n');
  fs.writeFileSync(path.join(outdir, f.fileName), text);
  if (f.prerequisites) fs.writeFileSync(path.join(outdir, f.prerequisites.fileName), f.prerequisites.text);
}
