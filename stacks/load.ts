import * as fs from 'fs';
import { ConfigFileError, Problem, ValidationError } from '../lib/validation';
import { yaml } from '../lib/yaml';
import { FrontEnd, LgtmConfig, validateConfig } from './config';

/** A validated configuration and the file it came from. */
export interface SourcedConfig {
  readonly source: string;
  readonly config: LgtmConfig;
}

/** The largest config file read (a generous bound: the reference configs are about 2 KiB). */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** The deepest nesting of mappings and lists accepted (the schema itself is 8 levels deep). */
export const MAX_CONFIG_DEPTH = 32;
/** YAML aliases expanded at most (yaml's own guard against "billion laughs" alias bombs). */
const MAX_ALIAS_COUNT = 100;
/** At most this many YAML syntax errors are listed. */
const MAX_SYNTAX_ERRORS = 10;

function fileProblem(detail: string, allowed: string): Problem {
  return { field: '(file)', value: undefined, allowed, detail: `${detail}; allowed: ${allowed}` };
}

/**
 * Reads, parses (YAML or JSON) and validates one config file. Every failure is
 * a {@link ValidationError} naming the file: unreadable, over
 * {@link MAX_CONFIG_BYTES}, not UTF-8, empty, YAML syntax errors (each with
 * line and column), alias bombs, nesting deeper than {@link MAX_CONFIG_DEPTH},
 * not a mapping, or any problem of the configuration itself.
 */
export function loadConfigFile(file: string, frontEnd: FrontEnd = 'cdk8s'): SourcedConfig {
  return { source: file, config: validateConfig(parseConfigText(readConfigFile(file), file), file, frontEnd) };
}

/** Reads a config file as UTF-8 text, within the size cap. */
export function readConfigFile(file: string): string {
  let bytes: Buffer;
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) throw new ConfigFileError([fileProblem('not a regular file', 'a readable config file')], file);
    if (st.size > MAX_CONFIG_BYTES) throw new ConfigFileError([fileProblem(`${st.size} bytes`, `a config file of at most ${MAX_CONFIG_BYTES} bytes (1 MiB)`)], file);
    bytes = fs.readFileSync(file);
  } catch (e) {
    if (e instanceof ValidationError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigFileError([fileProblem(code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? 'error'})`, 'a readable config file')], file);
  }
  if (bytes.length > MAX_CONFIG_BYTES) throw new ConfigFileError([fileProblem(`${bytes.length} bytes`, `a config file of at most ${MAX_CONFIG_BYTES} bytes (1 MiB)`)], file);
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const text = bytes.toString('utf8');
    const at = text.indexOf('\uFFFD');
    const line = text.slice(0, Math.max(at, 0)).split('\n').length;
    throw new ConfigFileError([fileProblem(`not UTF-8 text (first invalid byte on line ${line})`, 'a UTF-8 encoded YAML or JSON file')], file);
  }
}

/** Parses config text (YAML 1.2, so also JSON) into a plain value, with the guards of {@link loadConfigFile}. */
export function parseConfigText(text: string, file: string): unknown {
  if (text.replace(/#.*$/gm, '').trim() === '' || text.replace(/#.*$/gm, '').trim() === '---') {
    throw new ConfigFileError([fileProblem('the file is empty', 'a YAML or JSON mapping with at least "layout"')], file);
  }
  const depth = flowDepth(text);
  if (depth > MAX_CONFIG_DEPTH) throw new ConfigFileError([fileProblem(`nesting ${depth} levels deep`, `at most ${MAX_CONFIG_DEPTH} levels of nesting`)], file);
  let value: unknown;
  try {
    const docs = yaml.parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true });
    if (!Array.isArray(docs)) throw new ConfigFileError([fileProblem('no YAML document', 'exactly one YAML or JSON document')], file);
    if (docs.length !== 1) throw new ConfigFileError([fileProblem(`${docs.length} YAML documents`, 'exactly one YAML or JSON document')], file);
    const doc = docs[0];
    if (doc.errors.length > 0) {
      throw new ConfigFileError(
        doc.errors.slice(0, MAX_SYNTAX_ERRORS).map((e) => {
          const pos = e.linePos?.[0];
          const where = pos ? `line ${pos.line}, column ${pos.col}` : 'syntax';
          return { field: '(file)', value: undefined, allowed: 'valid YAML or JSON', detail: `YAML error at ${where}: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}; allowed: valid YAML or JSON` };
        }),
        file,
      );
    }
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    if (e instanceof ValidationError) throw e;
    const why = e instanceof RangeError ? 'nesting too deep to parse' : /alias/i.test((e as Error)?.message ?? '') ? 'too many YAML aliases (an alias bomb?)' : 'not parseable as YAML';
    throw new ConfigFileError([fileProblem(why, `valid YAML or JSON, at most ${MAX_ALIAS_COUNT} alias expansions and ${MAX_CONFIG_DEPTH} levels of nesting`)], file);
  }
  if (value === null || value === undefined) throw new ConfigFileError([fileProblem('the file is empty', 'a YAML or JSON mapping with at least "layout"')], file);
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigFileError([fileProblem(`the document is a ${Array.isArray(value) ? 'list' : typeof value}, not a mapping`, 'a YAML or JSON mapping of config fields, such as "layout: per-cluster"')], file);
  }
  const d = valueDepth(value, 0);
  if (d > MAX_CONFIG_DEPTH) throw new ConfigFileError([fileProblem(`nesting more than ${MAX_CONFIG_DEPTH} levels deep`, `at most ${MAX_CONFIG_DEPTH} levels of nesting`)], file);
  return value;
}

/** The deepest nesting of flow collections (`[`/`{`) outside quotes: a cheap guard before the parser recurses. */
function flowDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === '\\' && quote === '"') i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    // A quote opens a quoted scalar only where a scalar starts (not inside a plain one, as in `o'brien`).
    if ((ch === '"' || ch === "'") && /(^|[\s:[{,-])$/.test(text.slice(Math.max(0, i - 1), i))) quote = ch;
    else if (ch === '#' && (i === 0 || /\s/.test(text[i - 1]))) while (i < text.length && text[i] !== '\n') i++;
    else if (ch === '[' || ch === '{') max = Math.max(max, ++depth);
    else if ((ch === ']' || ch === '}') && depth > 0) depth--;
  }
  return max;
}

/** The nesting depth of a parsed value (stops counting past the limit). */
function valueDepth(v: unknown, d: number): number {
  if (d > MAX_CONFIG_DEPTH || typeof v !== 'object' || v === null) return d;
  let max = d;
  for (const x of Object.values(v)) max = Math.max(max, valueDepth(x, d + 1));
  return max;
}
