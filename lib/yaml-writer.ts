/**
 * A fast writer of block-style YAML that writes, byte for byte, what the
 * `yaml` library's `stringify(value, { ...options, lineWidth: 0 })` writes.
 *
 * `yaml.stringify` first turns every value into a document node tree and then
 * prints it; for the thousands of objects of a fleet that is most of the time
 * a synth takes. This writer prints plain data (objects, arrays, scalars)
 * directly. It decides nothing about how a scalar is written: a scalar that is
 * not trivially plain is written by `yaml` itself (a one-entry document,
 * re-indented), once per distinct value. Anything it does not handle — a
 * value that is not plain data, `undefined`, an object that appears twice
 * (which `yaml` writes as an anchor and alias), a key `yaml` would not write
 * as a simple key — makes it hand the whole value to `yaml.stringify`.
 *
 * The tests compare it with `yaml.stringify` on every rendered object and on
 * generated data with awkward keys and scalars.
 */
import type * as YAML from 'yaml';
import { yaml as yamlModule } from './yaml';

/** The options of `yaml.stringify` the writer supports (it always writes `lineWidth: 0`, i.e. no folding). */
export interface YamlWriterOptions {
  readonly version?: '1.1' | '1.2';
  readonly keepUndefined?: boolean;
}

/** The `yaml` module cdk8s serialises with (see ./yaml): the one `Yaml.stringify` uses. */
export function cdk8sYamlModule(): typeof YAML {
  return yamlModule;
}

/** Thrown inside the writer when `yaml` must write the whole value. */
class HandBack extends Error {}
const HAND_BACK = new HandBack();

/**
 * Strings that every YAML 1.1 and 1.2 schema reads back as a string and that
 * `yaml` writes as they are (plain), as a key and as a value: one line of
 * printable ASCII starting with a letter, `_` or `/` (so no number, date or
 * `.inf` form), which `yaml`'s plain-scalar rule (stringifyString.js
 * `plainString`) does not send to quotes — and not one of the words that
 * resolve to booleans or null (checked case-insensitively: y, n, yes, no,
 * true, false, on, off, null). Keys are at most 1,000 characters (`yaml`
 * writes longer ones as explicit `? ` keys).
 */
const SIMPLE = /^[A-Za-z_/][\x20-\x7e]*$/;
const NEEDS_QUOTES = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
const RESERVED = new Set(['y', 'n', 'yes', 'no', 'true', 'false', 'on', 'off', 'null']);

function isPlain(s: string): boolean {
  return SIMPLE.test(s) && !NEEDS_QUOTES.test(s) && !RESERVED.has(s.toLowerCase());
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export class YamlWriter {
  private readonly options: Record<string, unknown>;
  /** How `yaml` writes a scalar after `key:` (including the separator), continuation lines indented from column 0. */
  private readonly values = new Map<unknown, string>();
  /** How `yaml` writes a scalar after `-` in a sequence. */
  private readonly items = new Map<unknown, string>();
  /** How `yaml` writes a key at column 0, and further in (where e.g. `---` is not a document marker). */
  private readonly rootKeys = new Map<string, string>();
  private readonly nestedKeys = new Map<string, string>();

  constructor(
    private readonly yaml: typeof YAML,
    options: YamlWriterOptions = {},
  ) {
    this.options = { ...options, lineWidth: 0 };
  }

  /** `yaml.stringify(value, { ...options, lineWidth: 0 })`. */
  public stringify(value: unknown): string {
    if (typeof value === 'object' && value !== null) {
      const isArray = Array.isArray(value);
      if ((isArray && value.length > 0) || (!isArray && isPlainObject(value) && Object.keys(value).length > 0)) {
        try {
          const out: string[] = [];
          const seen = new Set<object>();
          if (isArray) this.seq(value as unknown[], '', out, seen, false);
          else this.map(value as Record<string, unknown>, '', out, seen, false);
          return out.join('');
        } catch (e) {
          if (e !== HAND_BACK) throw e;
        }
      }
    }
    return this.yaml.stringify(value, this.options);
  }

  /** Writes the entries of a non-empty map at `indent`; `inline`: the first entry continues the current line (after `- `). */
  private map(obj: Record<string, unknown>, indent: string, out: string[], seen: Set<object>, inline: boolean): void {
    if (seen.has(obj)) throw HAND_BACK;
    seen.add(obj);
    let first = inline;
    for (const k of Object.keys(obj)) {
      if (!first) out.push(indent);
      first = false;
      out.push(this.key(k, indent === '' && !inline), ':');
      this.after(obj[k], indent, out, seen, this.values, 'map');
    }
  }

  /** Writes the items of a non-empty sequence at `indent`; `inline` as for {@link map}. */
  private seq(arr: readonly unknown[], indent: string, out: string[], seen: Set<object>, inline: boolean): void {
    if (seen.has(arr)) throw HAND_BACK;
    seen.add(arr);
    for (let i = 0; i < arr.length; i++) {
      if (!(i in arr)) throw HAND_BACK;
      if (i > 0 || !inline) out.push(indent);
      out.push('-');
      this.after(arr[i], indent, out, seen, this.items, 'seq');
    }
  }

  /** Writes what follows `key:` or `-`: a nested collection, or a scalar, and the line end. */
  private after(v: unknown, indent: string, out: string[], seen: Set<object>, cache: Map<unknown, string>, ctx: 'map' | 'seq'): void {
    if (typeof v === 'object' && v !== null) {
      if (Array.isArray(v)) {
        if (v.length === 0) {
          out.push(' []\n');
        } else if (ctx === 'map') {
          // A sequence under a key starts on the next line, indented (indentSeq).
          out.push('\n');
          this.seq(v, `${indent}  `, out, seen, false);
        } else {
          out.push(' ');
          this.seq(v, `${indent}  `, out, seen, true);
        }
        return;
      }
      if (!isPlainObject(v)) throw HAND_BACK;
      if (Object.keys(v).length === 0) {
        out.push(' {}\n');
      } else if (ctx === 'map') {
        out.push('\n');
        this.map(v as Record<string, unknown>, `${indent}  `, out, seen, false);
      } else {
        out.push(' ');
        this.map(v as Record<string, unknown>, `${indent}  `, out, seen, true);
      }
      return;
    }
    const rest = this.scalar(v, cache, ctx);
    // Continuation lines (block scalars) are written for column 0: indent them like the entry.
    out.push(indent === '' || !rest.includes('\n') ? rest : rest.replace(/\n(?=[^\n])/g, `\n${indent}`), '\n');
  }

  private scalar(v: unknown, cache: Map<unknown, string>, ctx: 'map' | 'seq'): string {
    if (typeof v === 'string') {
      if (isPlain(v)) return ` ${v}`;
    } else if (typeof v === 'number') {
      if (Number.isSafeInteger(v) && !Object.is(v, -0)) return ` ${v}`;
      if (Object.is(v, -0)) throw HAND_BACK;
    } else if (v === undefined || (typeof v !== 'boolean' && v !== null && typeof v !== 'bigint')) {
      throw HAND_BACK;
    }
    let s = cache.get(v);
    if (s === undefined) {
      s = ctx === 'map' ? this.probe({ k: v }, 'k:') : this.probe([v], '-');
      cache.set(v, s);
    }
    return s;
  }

  private key(k: string, root: boolean): string {
    if (k.length <= 1000 && isPlain(k)) return k;
    const cache = root ? this.rootKeys : this.nestedKeys;
    let s = cache.get(k);
    if (s === undefined) {
      const text = this.yaml.stringify(root ? { [k]: null } : { a: { [k]: null } }, this.options);
      const m = (root ? /^([^\n]*): null\n$/ : /^a:\n {2}([^\n]*): null\n$/).exec(text);
      if (!m || m[1].startsWith('? ')) throw HAND_BACK;
      s = m[1];
      cache.set(k, s);
    }
    return s;
  }

  /** How `yaml` writes a scalar in a one-entry document, after `prefix`, without the final newline. */
  private probe(doc: unknown, prefix: string): string {
    const text = this.yaml.stringify(doc, this.options);
    if (!text.startsWith(prefix) || !text.endsWith('\n')) throw HAND_BACK;
    return text.slice(prefix.length, -1);
  }
}

let projectWriter: YamlWriter | undefined;

/**
 * `yaml.stringify(value, { lineWidth: 0 })` (the YAML 1.2 default schema),
 * written by {@link YamlWriter}: how the components write their config files.
 */
export function stringifyYaml(value: unknown): string {
  projectWriter ??= new YamlWriter(yamlModule);
  return projectWriter.stringify(value);
}
