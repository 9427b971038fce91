/**
 * A fake scrape target that serves a recorded Prometheus text exposition
 * (format 0.0.4) as if the recorded process kept running: every counter, and
 * the `_bucket` / `_sum` / `_count` series of histograms and summaries, grow
 * at a steady rate since the server started; gauges, summary quantiles,
 * `# HELP` / `# TYPE` lines, comments, blank lines and every label set stay
 * byte-for-byte as recorded. `rate()` over real scrapes is then positive and
 * `histogram_quantile()` returns the recorded distribution.
 *
 * The fixtures it serves are verify/fixtures/*.prom (see SOURCES.md there).
 *
 *     node .verify/js/exposition.js --host 127.0.0.1 --port 9091 --path /metrics \
 *       --file verify/fixtures/kgateway-proxy.prom [--rate 0.00333]
 *
 * Growth model: each advanced sample is `v * (1 + ratePerSecond * elapsed)`,
 * i.e. `ratePerSecond` is relative (the fraction of the recorded value added
 * per second). A relative rate keeps every ratio of the recording (the 5xx
 * share, the latency distribution over the buckets, sum / count) unchanged.
 * Integer-valued samples stay integers (rounded down), which keeps histogram
 * buckets cumulative and monotonic in `le` and the `+Inf` bucket equal to
 * `_count` (equal inputs give equal outputs; rounding down is monotonic).
 */
import * as fs from 'fs';
import * as http from 'http';

/** Default relative growth: the recorded totals are added once more every 5 minutes. */
export const DEFAULT_RELATIVE_RATE = 1 / 300;

/** The Content-Type of the text format 0.0.4. */
export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

/** One sample line split into the part kept verbatim, the value, and what follows it. */
interface SampleLine {
  readonly name: string;
  /** Name and label block, and the whitespace before the value, verbatim. */
  readonly head: string;
  readonly value: string;
  /** Whitespace and timestamp after the value, verbatim (may be empty). */
  readonly tail: string;
}

/** Splits a sample line; returns undefined when the line is not one. */
function splitSample(line: string): SampleLine | undefined {
  const m = METRIC_NAME.exec(line);
  if (!m) return undefined;
  let i = m[0].length;
  if (line[i] === '{') {
    // Label block: scan to the closing brace, honouring quoted values with escapes.
    i++;
    let inQuote = false;
    for (; i < line.length; i++) {
      const c = line[i];
      if (inQuote) {
        if (c === '\\') i++;
        else if (c === '"') inQuote = false;
      } else if (c === '"') inQuote = true;
      else if (c === '}') break;
    }
    if (i >= line.length) return undefined;
    i++;
  }
  const ws = /^[ \t]+/.exec(line.slice(i));
  if (!ws) return undefined;
  i += ws[0].length;
  const rest = line.slice(i);
  const v = /^\S+/.exec(rest);
  if (!v) return undefined;
  return { name: m[0], head: line.slice(0, i), value: v[0], tail: rest.slice(v[0].length) };
}

/** Which series of a family grow: counters, and histogram/summary `_bucket`, `_sum`, `_count`. */
function grows(name: string, types: ReadonlyMap<string, string>): boolean {
  const t = types.get(name);
  if (t === 'counter') return true;
  if (t !== undefined) return false; // gauge, untyped, summary quantile, histogram base name
  for (const suffix of ['_bucket', '_sum', '_count'] as const) {
    if (!name.endsWith(suffix)) continue;
    const base = types.get(name.slice(0, -suffix.length));
    if (base === 'histogram' || (base === 'summary' && suffix !== '_bucket')) return true;
  }
  // OpenMetrics-style counter sample `<family>_total` under `# TYPE <family> counter`.
  return name.endsWith('_total') && types.get(name.slice(0, -'_total'.length)) === 'counter';
}

/** Significant digits written in a numeric token (ignoring sign, exponent and leading zeros). */
function significantDigits(token: string): number {
  const mantissa = token.replace(/^[+-]/, '').split(/[eE]/)[0];
  return mantissa.replace('.', '').replace(/^0+/, '').length;
}

/** Go's strconv.FormatFloat(x, 'g', -1, 64), as client_golang writes values. */
function formatGo(x: number): string {
  if (x === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(x)));
  if (exp < -4 || exp >= 6) {
    const [mant, e] = x.toExponential().split('e');
    const sign = e.startsWith('-') ? '-' : '+';
    return `${mant}e${sign}${e.replace(/^[+-]/, '').padStart(2, '0')}`;
  }
  return String(x);
}

/** fmt's `{:.32g}`, as Envoy writes histogram sums. */
function formatG32(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e21) return BigInt(x).toString();
  let s = x.toPrecision(32);
  if (s.includes('e')) {
    const [mant, e] = s.split('e');
    const m = mant.includes('.') ? mant.replace(/0+$/, '').replace(/\.$/, '') : mant;
    const sign = e.startsWith('-') ? '-' : '+';
    return `${m}e${sign}${e.replace(/^[+-]/, '').padStart(2, '0')}`;
  }
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

/** The advanced value of one token, written in the style of the original token. */
function advanceValue(token: string, factor: number): string {
  const v = Number(token);
  if (!Number.isFinite(v) || v === 0 || factor === 1) return token; // NaN, ±Inf, 0, no time passed
  if (/^[+-]?\d+$/.test(token)) {
    const out = Math.floor(v * factor);
    return Math.abs(out) < 1e21 ? BigInt(out).toString() : formatGo(out);
  }
  const grown = Number.isInteger(v) ? Math.floor(v * factor) : v * factor;
  if (/[eE]/.test(token)) return formatGo(grown); // client_golang style, e.g. 4.912385416e+09
  if (significantDigits(token) > 17) return formatG32(grown); // Envoy's {:.32g} sums
  const plain = String(grown);
  return /e/.test(plain) ? formatG32(grown) : plain;
}

/**
 * Returns `text` with counters and histogram/summary `_bucket`, `_sum` and
 * `_count` samples advanced as if traffic had continued at a steady rate for
 * `elapsedSeconds` since the recording. Everything else is returned verbatim.
 *
 * @param text a Prometheus text exposition (format 0.0.4) with `# TYPE` lines
 * @param elapsedSeconds seconds since the recording (>= 0)
 * @param ratePerSecond relative growth per second: each advanced sample gains
 *   `ratePerSecond * elapsedSeconds` times its recorded value.
 *   @default DEFAULT_RELATIVE_RATE
 */
export function advanceExposition(text: string, elapsedSeconds: number, ratePerSecond: number = DEFAULT_RELATIVE_RATE): string {
  if (!Number.isFinite(elapsedSeconds) || elapsedSeconds < 0) throw new Error(`advanceExposition: elapsedSeconds must be a finite number >= 0, got ${elapsedSeconds}`);
  if (!Number.isFinite(ratePerSecond) || ratePerSecond < 0) throw new Error(`advanceExposition: ratePerSecond must be a finite number >= 0, got ${ratePerSecond}`);
  const factor = 1 + ratePerSecond * elapsedSeconds;
  const types = new Map<string, string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    const cr = line.endsWith('\r');
    if (cr) line = line.slice(0, -1);
    if (line.startsWith('#')) {
      const t = /^#[ \t]+TYPE[ \t]+(\S+)[ \t]+(\S+)/.exec(line);
      if (t) types.set(t[1], t[2]);
      continue;
    }
    const s = splitSample(line);
    if (!s || !grows(s.name, types)) continue;
    lines[i] = s.head + advanceValue(s.value, factor) + s.tail + (cr ? '\r' : '');
  }
  return lines.join('\n');
}

/** Where and what the fake target serves. */
export interface ExpositionServerOptions {
  readonly host: string;
  readonly port: number;
  /** URL path of the exposition, e.g. `/metrics` (the query string is ignored). */
  readonly path: string;
  /** The recorded exposition (read once, at start). */
  readonly file: string;
  /** Relative growth per second. @default DEFAULT_RELATIVE_RATE */
  readonly ratePerSecond?: number;
}

/**
 * Serves `advanceExposition(<file>, <seconds since start>)` at `path`
 * (GET/HEAD, `Content-Type: text/plain; version=0.0.4; charset=utf-8`), 404
 * on any other path, 405 for other methods. Resolves once listening.
 */
export function startExpositionServer(o: ExpositionServerOptions): Promise<http.Server> {
  const recorded = fs.readFileSync(o.file, 'utf8');
  const rate = o.ratePerSecond ?? DEFAULT_RELATIVE_RATE;
  advanceExposition(recorded, 0, rate); // validate the rate before listening
  const started = process.hrtime.bigint();
  const server = http.createServer((req, res) => {
    const pathname = (req.url ?? '/').split('?')[0];
    if (pathname !== o.path) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('404 page not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'Content-Type': 'text/plain; charset=utf-8', Allow: 'GET, HEAD' });
      res.end('405 method not allowed\n');
      return;
    }
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    const body = Buffer.from(advanceExposition(recorded, elapsed, rate), 'utf8');
    res.writeHead(200, { 'Content-Type': TEXT_CONTENT_TYPE, 'Content-Length': String(body.length) });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** Parses `--host H --port P --path /metrics --file F [--rate R]`. */
export function parseArgs(argv: readonly string[]): ExpositionServerOptions {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^--(host|port|path|file|rate)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`exposition: unknown argument ${JSON.stringify(a)}`);
    const v = m[2] ?? argv[++i];
    if (v === undefined) throw new Error(`exposition: ${a} needs a value`);
    values.set(m[1], v);
  }
  const need = (k: string): string => {
    const v = values.get(k);
    if (v === undefined || v === '') throw new Error(`exposition: --${k} is required`);
    return v;
  };
  const port = Number(need('port'));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`exposition: --port must be an integer 0-65535, got ${values.get('port')}`);
  const path = values.get('path') ?? '/metrics';
  if (!path.startsWith('/')) throw new Error(`exposition: --path must start with "/", got ${path}`);
  const rateArg = values.get('rate');
  const ratePerSecond = rateArg === undefined ? undefined : Number(rateArg);
  if (ratePerSecond !== undefined && (!Number.isFinite(ratePerSecond) || ratePerSecond < 0)) throw new Error(`exposition: --rate must be a number >= 0, got ${rateArg}`);
  return { host: need('host'), port, path, file: need('file'), ...(ratePerSecond === undefined ? {} : { ratePerSecond }) };
}

if (require.main === module) {
  (async () => {
    const o = parseArgs(process.argv.slice(2));
    const server = await startExpositionServer(o);
    const addr = server.address();
    const where = addr && typeof addr === 'object' ? `${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}` : String(addr);
    process.stdout.write(`exposition: serving ${o.file} at http://${where}${o.path} (pid ${process.pid})\n`);
    const stop = (sig: string) => {
      process.stdout.write(`exposition: ${sig}, stopping\n`);
      server.close(() => process.exit(0));
      server.closeAllConnections();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  })().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  });
}
