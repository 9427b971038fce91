#!/usr/bin/env node
/**
 * Generates the L1 Kubernetes classes the package uses, extracted from
 * cdk8s-plus-28's generated `k8s` module (lib/imports/k8s.js, 2.7 MB: every
 * Kubernetes kind and its JSON mapping). The package only needs a dozen kinds;
 * loading the whole module costs a one-cluster synth more than all of its own
 * code. The extract is the same code, statement for statement, in the same
 * order: each class and function the used names need, transitively, and the
 * module prologue.
 *
 * The used names are every `k8s.<Name>` the package's TypeScript sources
 * mention (types that are not in the JavaScript are ignored), so new uses are
 * picked up by the next build. scripts/bundle.js puts the subset in the synth
 * bundle in place of cdk8s-plus-28; the tests render with it too.
 */
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
/** The source folders compiled into the package (tsconfig.json include). */
const SOURCE_DIRS = ['lib', 'components', 'stacks', 'dashboards', 'imports', 'pulumi'];
const SOURCE_FILES = ['index.ts', 'app.ts'];

/** The generated module of cdk8s-plus-28 the classes come from. */
function fullModulePath() {
  return require.resolve('cdk8s-plus-28/lib/imports/k8s.js', { paths: [ROOT] });
}

/** Every `k8s.<Name>` in the package's sources (excluding tests). */
function usedNames(root = ROOT) {
  const names = new Set();
  const visit = (p) => {
    const st = fs.statSync(p);
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(p)) visit(path.join(p, e));
    } else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) {
      for (const m of fs.readFileSync(p, 'utf8').matchAll(/\bk8s\.([A-Za-z_$][A-Za-z0-9_$]*)/g)) names.add(m[1]);
    }
  };
  for (const d of SOURCE_DIRS) if (fs.existsSync(path.join(root, d))) visit(path.join(root, d));
  for (const f of SOURCE_FILES) if (fs.existsSync(path.join(root, f))) visit(path.join(root, f));
  return names;
}

/**
 * The source of a module holding the top-level declarations of `source` (a
 * tsc-compiled CommonJS module) that `roots` need, transitively, with their
 * statements (`exports.X = X`, static members, JSII type info, enum bodies)
 * and the module prologue, in the original order. Returns the kept names and
 * the roots it does not declare (e.g. interfaces, which exist only as types).
 */
function extract(source, roots, fileName = 'k8s.js') {
  const ts = require('typescript');
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const statements = sf.statements;
  const isEnumVar = (s, next) =>
    ts.isVariableStatement(s) &&
    s.declarationList.declarations.length === 1 &&
    !s.declarationList.declarations[0].initializer &&
    next !== undefined &&
    ts.isExpressionStatement(next) &&
    ts.isCallExpression(next.expression);
  // The declarations: classes, functions and enums (`var E; (function (E) {…})(E = …)`).
  const declared = new Set();
  statements.forEach((s, i) => {
    if ((ts.isClassDeclaration(s) || ts.isFunctionDeclaration(s)) && s.name) declared.add(s.name.text);
    else if (isEnumVar(s, statements[i + 1])) declared.add(s.declarationList.declarations[0].name.text);
  });
  const firstDeclared = (node) => {
    let found;
    const walk = (n) => {
      if (found) return;
      if (ts.isIdentifier(n) && declared.has(n.text)) found = n.text;
      else ts.forEachChild(n, walk);
    };
    walk(node);
    return found;
  };
  // The declaration each statement belongs to (undefined: the prologue). `exports.X = X`, `X.GVK = …`,
  // `X[_a] = …` and enum bodies belong to X; `_a = JSII_RTTI_SYMBOL_1` to the statement after it.
  const owner = statements.map((s, i) => {
    if ((ts.isClassDeclaration(s) || ts.isFunctionDeclaration(s)) && s.name) return s.name.text;
    if (isEnumVar(s, statements[i + 1])) return s.declarationList.declarations[0].name.text;
    if (ts.isExpressionStatement(s)) return firstDeclared(s.expression);
    return undefined;
  });
  statements.forEach((s, i) => {
    if (owner[i] === undefined && /^_[A-Za-z0-9]+ = JSII_RTTI_SYMBOL_1;$/.test(s.getText(sf))) owner[i] = owner[i + 1];
  });
  // What each declaration refers to.
  const refs = new Map();
  statements.forEach((s, i) => {
    const o = owner[i];
    if (o === undefined) return;
    const set = refs.get(o) ?? new Set();
    const walk = (n) => {
      if (ts.isIdentifier(n) && declared.has(n.text) && n.text !== o) set.add(n.text);
      ts.forEachChild(n, walk);
    };
    walk(s);
    refs.set(o, set);
  });
  const keep = new Set();
  const stack = [...roots].filter((r) => declared.has(r));
  while (stack.length > 0) {
    const n = stack.pop();
    if (keep.has(n)) continue;
    keep.add(n);
    for (const d of refs.get(n) ?? []) stack.push(d);
  }
  const out = [];
  statements.forEach((s, i) => {
    const text = s.getFullText(sf);
    if (owner[i] === undefined) {
      // The prologue, without the statement that pre-declares every export (`exports.a = exports.b = … = void 0;`).
      if (!/^\s*exports\.[A-Za-z0-9_$]+ = (exports\.[A-Za-z0-9_$]+ = )*void 0;\s*$/.test(text)) out.push(text);
    } else if (keep.has(owner[i])) {
      out.push(text);
    }
  });
  return { source: `${out.join('')}\n`, kept: [...keep].sort(), missing: [...roots].filter((r) => !declared.has(r)).sort() };
}

/**
 * The subset for the package's sources under `root`: `{ source, kept, from }`
 * (`from`: the full module's path; the subset's own `require`s resolve from there).
 */
function subset(root = ROOT) {
  const from = fullModulePath();
  const { source, kept } = extract(fs.readFileSync(from, 'utf8'), usedNames(root), from);
  const header = [
    '// Extracted by scripts/l1-subset.js from cdk8s-plus-28/lib/imports/k8s.js: the declarations the',
    `// package uses (${kept.length} of them), unchanged and in their original order.`,
  ].join('\n');
  return { source: `${header}\n${source}`, kept, from };
}

module.exports = { usedNames, extract, subset, fullModulePath };
