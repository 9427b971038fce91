/**
 * In-process timing (no process start): loads the compiled package once,
 * then times, warm, what `npm run synth` does for one config short of
 * writing — read and validate the config, build the app, render every chart
 * — and, on the same objects, the serialisation alone (cdk8s `Yaml.stringify`,
 * which is what the render uses). Prints JSON; with a third argument also
 * writes the rendered objects and the output directory's ownership record
 * (for floor.js).
 *
 *     node scripts/bench/inproc.js <build dir> <config.yaml[,more.yaml…]> [objects.json] [reps]
 */
const fs = require('fs');
const path = require('path');
const { performance } = require('perf_hooks');

const [, , buildDir, config, objectsOut, repsArg] = process.argv;
const { loadConfigFile } = require(path.join(buildDir, 'stacks', 'load'));
const { buildApp } = require(path.join(buildDir, 'stacks', 'build'));
const { OWNED_FILES, ownedFilesRecord, renderApp } = require(path.join(buildDir, 'stacks', 'render'));
const { Yaml } = require('cdk8s');

// Several files (a fleet larger than one config holds) are rendered together, as LGTM_CONFIG renders them.
const render = () => renderApp(buildApp(config.split(',').map((f) => loadConfigFile(f))));
const reps = Number(repsArg ?? 10);
const warmup = reps > 2 ? 2 : 1;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

let files;
const build = [];
for (let i = 0; i < warmup + reps; i++) {
  const t = performance.now();
  files = render();
  if (i >= warmup) build.push(performance.now() - t);
}
const stringify = [];
for (let i = 0; i < warmup + reps; i++) {
  const t = performance.now();
  for (const f of files) Yaml.stringify(...f.objects);
  if (i >= warmup) stringify.push(performance.now() - t);
}
if (objectsOut) {
  const rendered = files.map((f) => ({ fileName: f.fileName, objects: f.objects, ...(f.prerequisites ? { prerequisites: { fileName: f.prerequisites.fileName, text: f.prerequisites.text } } : {}) }));
  fs.writeFileSync(objectsOut, JSON.stringify({ files: rendered, record: { fileName: OWNED_FILES, text: ownedFilesRecord(files) } }));
}
const objects = files.reduce((n, f) => n + f.objects.length, 0);
const bytes = files.reduce((n, f) => n + Buffer.byteLength(f.yaml), 0);
process.stdout.write(`${JSON.stringify({ reps, files: files.length, objects, bytes, buildMs: median(build), stringifyMs: median(stringify), buildRuns: build, stringifyRuns: stringify })}\n`);
