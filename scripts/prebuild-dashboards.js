#!/usr/bin/env node
/**
 * Renders the stack's default dashboards at build time (see
 * dashboards/prebuilt.ts): loads the compiled dashboards module, builds every
 * default dashboard with the Grafana Foundation SDK and writes them as JSON
 * next to it, so synthesis does not load the SDK. Every PromQL query of them
 * is checked to parse here (the build fails otherwise), so synthesis does not
 * parse them again (dashboards/prebuilt.ts).
 *
 * `npm run build` runs it after tsc; the jest global setup writes
 * dashboards/prebuilt-dashboards.json (gitignored) from the source the same way.
 *
 *     node scripts/prebuild-dashboards.js [build/dashboards/prebuilt.js] [out.json]
 */
const path = require('path');
const { writeIfChanged } = require('./write-if-changed');

/** The JSON text of every default dashboard, built by `mod` (the prebuilt module). */
function prebuiltDashboardsJson(mod) {
  const out = {};
  for (const name of mod.DEFAULT_DASHBOARDS) {
    out[name] = mod.buildDefaultDashboard(name);
    mod.checkQueries(out[name]);
  }
  return `${JSON.stringify(out)}\n`;
}

/** Writes the prebuilt dashboards built by `mod` to `file` (only when the content changes). */
function writePrebuiltDashboards(mod, file) {
  return writeIfChanged(file, prebuiltDashboardsJson(mod));
}

module.exports = { prebuiltDashboardsJson, writePrebuiltDashboards };

if (require.main === module) {
  const root = path.resolve(__dirname, '..');
  const modFile = path.resolve(process.argv[2] ?? path.join(root, 'build', 'dashboards', 'prebuilt.js'));
  const out = path.resolve(process.argv[3] ?? path.join(path.dirname(modFile), 'prebuilt-dashboards.json'));
  writePrebuiltDashboards(require(modFile), out);
}
