/**
 * The one grammar module: every textual value type of the configuration
 * (durations, sizes, Kubernetes quantities and names, hosts, metric and label
 * names) is defined here once, as a pattern (used verbatim by the JSON Schema,
 * so editors, the config validator and the constructs accept the same
 * strings) and, where the value has a magnitude, a parser that reads it once
 * and renders it for each program.
 */

// ---------------------------------------------------------------------------
// Durations
// ---------------------------------------------------------------------------

/**
 * Prometheus' `model.Duration` grammar (prometheus/common model.ParseDuration,
 * used by Prometheus and by Loki's `model.Duration` fields): integer amounts
 * with units y (365d), w, d, h, m, s, ms, largest first, each at most once.
 * This is the one duration grammar of the configuration; Go-only programs
 * (Tempo) get the value re-rendered with {@link Duration.toGo}.
 */
export const DURATION_PATTERN = '^(?=[0-9])([0-9]+y)?([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?$';
const DURATION_RE = new RegExp(DURATION_PATTERN);
const DURATION_PARTS = /([0-9]+)(ms|y|w|d|h|m|s)/g;

const MS: Record<string, number> = { y: 365 * 86_400_000, w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/**
 * The largest duration Prometheus, Loki and Go accept: `time.Duration` is an
 * int64 of nanoseconds, and model.ParseDuration / time.ParseDuration refuse
 * anything above it ("duration out of range", about 292 years).
 */
export const MAX_DURATION_MS = Math.floor((2 ** 63 - 1) / 1e6);

/** A duration read once from its text; rendered for each program that consumes it. */
export class Duration {
  /** Parses a duration in {@link DURATION_PATTERN}; undefined when it does not match or is out of range. */
  public static parse(text: unknown): Duration | undefined {
    if (typeof text !== 'string' || !DURATION_RE.test(text)) return undefined;
    let ms = 0;
    for (const m of text.matchAll(DURATION_PARTS)) ms += Number(m[1]) * MS[m[2]];
    return ms > MAX_DURATION_MS ? undefined : new Duration(text, ms);
  }

  /** A duration of whole milliseconds, spelt canonically (largest units first). */
  public static ofMs(ms: number): Duration {
    let rest = Math.round(ms);
    let text = '';
    for (const unit of ['y', 'w', 'd', 'h', 'm', 's', 'ms']) {
      const n = Math.floor(rest / MS[unit]);
      if (n > 0) text += `${n}${unit}`;
      rest -= n * MS[unit];
    }
    return new Duration(text === '' ? '0s' : text, Math.round(ms));
  }

  private constructor(
    /** The text as written. */
    public readonly text: string,
    /** Whole milliseconds. */
    public readonly ms: number,
  ) {}

  public get seconds(): number {
    return this.ms / 1000;
  }

  /** For Prometheus (`<duration>`): the text as written (it is Prometheus' grammar). */
  public toPrometheus(): string {
    return this.text;
  }

  /** For Loki's `model.Duration` fields: Prometheus' grammar, the text as written. */
  public toLoki(): string {
    return this.text;
  }

  /**
   * For Go's `time.ParseDuration` (Tempo): the text as written when it uses no
   * d, w or y unit, else the same length in h, m, s, ms (`30d` → `720h`).
   */
  public toGo(): string {
    if (!/[ywd]/.test(this.text)) return this.text;
    let rest = this.ms;
    let out = '';
    for (const unit of ['h', 'm', 's', 'ms']) {
      const n = Math.floor(rest / MS[unit]);
      if (n > 0) out += `${n}${unit}`;
      rest -= n * MS[unit];
    }
    return out === '' ? '0s' : out;
  }

  public toString(): string {
    return this.text;
  }
}

/** What {@link DURATION_PATTERN} allows, phrased for error messages. */
export const DURATION_ALLOWED = 'a duration such as "30s", "15m", "24h", "30d" or "1h30m" (units y, w, d, h, m, s, ms, largest first, each at most once)';

/** The "allowed" text of a duration with a range: at least `min` (or greater than zero) and at most about 292y. */
export function durationRangeAllowed(min: Duration | undefined, why?: string): string {
  const lower = min ? `at least "${min.text}"` : 'greater than zero';
  return `${DURATION_ALLOWED}, ${lower}${why ? ` (${why})` : ''} and at most about 292y (the int64-nanosecond limit of Prometheus, Loki and Go)`;
}

// ---------------------------------------------------------------------------
// Sizes
// ---------------------------------------------------------------------------

/**
 * A Kubernetes resource quantity (`100m`, `0.5`, `256Mi`, `10Gi`), greater
 * than zero: a plain decimal with an optional SI or binary suffix (the
 * subset of k8s.io/apimachinery resource.Quantity this package accepts).
 */
export const QUANTITY_PATTERN = '^(?=[0-9.]*[1-9])[0-9]+(\\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$';
const QUANTITY_RE = new RegExp(QUANTITY_PATTERN);
export const QUANTITY_ALLOWED = 'a Kubernetes quantity greater than zero, such as "100m", "0.5", "256Mi" or "10Gi"';

const BIN: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DEC: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, m: 1e-3 };

/** The value of a quantity (bytes for memory and storage, cores for CPU), or NaN when it is not one. */
export function quantityValue(q: unknown): number {
  if (typeof q !== 'string' || !QUANTITY_RE.test(q)) return NaN;
  const m = /^([0-9.]+)([A-Za-z]*)$/.exec(q)!;
  const mult = BIN[m[2]] ?? DEC[m[2]];
  return Number(m[1]) * mult;
}

/**
 * A Prometheus size (`storage.tsdb.retention.size`): an integer with a unit
 * B, KB, MB, GB, TB, PB, EB, in powers of 2 (1KB = 1024B; alecthomas/units
 * ParseBase2Bytes), greater than zero.
 */
export const PROMETHEUS_SIZE_PATTERN = '^(?=[0-9]*[1-9])[0-9]+(B|KB|MB|GB|TB|PB|EB)$';
const PROMETHEUS_SIZE_RE = new RegExp(PROMETHEUS_SIZE_PATTERN);
export const PROMETHEUS_SIZE_ALLOWED = 'a size greater than zero with a unit B, KB, MB, GB, TB, PB or EB, such as "512MB" or "10GB" (powers of 2: 1GB = 1GiB)';
const SIZE_UNITS: Record<string, number> = { B: 1, KB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30, TB: 2 ** 40, PB: 2 ** 50, EB: 2 ** 60 };

/** Bytes of a Prometheus size such as `10GB` (= 10 GiB), or NaN. */
export function prometheusSizeBytes(size: unknown): number {
  if (typeof size !== 'string' || !PROMETHEUS_SIZE_RE.test(size)) return NaN;
  const m = /^([0-9]+)([A-Z]+)$/.exec(size)!;
  return Number(m[1]) * SIZE_UNITS[m[2]];
}

/** The largest whole Prometheus size (MB or GB) not above `bytes`. */
export function prometheusSizeFloor(bytes: number): string {
  const mb = Math.floor(bytes / 2 ** 20);
  return mb % 1024 === 0 && mb > 0 ? `${mb / 1024}GB` : `${mb}MB`;
}

// ---------------------------------------------------------------------------
// Kubernetes names
// ---------------------------------------------------------------------------

/** A DNS-1035 label (Service names): lower-case letters, digits, "-", starting with a letter. */
export const DNS1035_LABEL_PATTERN = '^[a-z]([-a-z0-9]*[a-z0-9])?$';
export const DNS1035_LABEL_ALLOWED = 'a DNS-1035 label: lower-case letters, digits and "-", starting with a letter, ending alphanumeric, at most 63 characters';
/** A DNS-1123 label (namespaces). */
export const DNS1123_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
export const DNS1123_LABEL_ALLOWED = 'a DNS-1123 label: lower-case letters, digits and "-", alphanumeric at both ends, at most 63 characters';
/** A DNS-1123 subdomain (Secret, StorageClass and cluster names). */
export const DNS1123_SUBDOMAIN_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
export const DNS1123_SUBDOMAIN_ALLOWED = 'a DNS-1123 subdomain: lower-case alphanumeric segments separated by "." or "-", at most 253 characters';

/** Namespaces the stack must never be deployed into. */
export const SYSTEM_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease', 'default'] as const;
/** A namespace for the stack: a DNS-1123 label that is not a system namespace. */
export const STACK_NAMESPACE_PATTERN = `^(?!(${SYSTEM_NAMESPACES.join('|')})$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$`;
export const STACK_NAMESPACE_ALLOWED = `${DNS1123_LABEL_ALLOWED}, other than ${SYSTEM_NAMESPACES.map((n) => `"${n}"`).join(', ')}`;

/** A key of a Secret's data. */
export const SECRET_KEY_PATTERN = '^[-._a-zA-Z0-9]+$';
export const SECRET_KEY_ALLOWED = 'a Secret data key: 1-253 letters, digits, "-", "_" or "."';

// ---------------------------------------------------------------------------
// Hosts and ports
// ---------------------------------------------------------------------------

/** A DNS name or IPv4 address, without scheme, port or path. */
export const HOST_PATTERN = '^(?=.{1,253}$)[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*$';
export const HOST_ALLOWED = 'a DNS name or IPv4 address without scheme, port or path, such as "otlp.example.com"';
/** `host` or `host:port`, without scheme. */
export const HOST_PORT_PATTERN = '^(?=[^:]{1,253}(:|$))[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*(:([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?$';
export const HOST_PORT_ALLOWED = 'a host with an optional port (1-65535) and no scheme, such as "s3.eu-west-1.amazonaws.com" or "minio.storage.svc:9000"';

// ---------------------------------------------------------------------------
// Address blocks (NetworkPolicy ipBlock)
// ---------------------------------------------------------------------------

const IPV4_OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
/**
 * An IPv4 or IPv6 CIDR such as "10.0.0.0/8" or "fd00::/8". The pattern is the
 * shape; {@link isCanonicalCidr} also refuses host bits after the prefix
 * (Kubernetes warns about such non-canonical `ipBlock.cidr` values).
 */
export const CIDR_PATTERN = `^(${IPV4_OCTET}(\\.${IPV4_OCTET}){3}/(3[0-2]|[12]?[0-9])|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))$`;
export const CIDR_ALLOWED = 'an IPv4 or IPv6 CIDR in canonical form (no bits set after the prefix), such as "10.0.0.0/8", "203.0.113.7/32" or "fd00::/8"';

/** The address of a CIDR as bytes (4 or 16), or undefined when it is not an IP address. */
function ipBytes(ip: string): number[] | undefined {
  if (ip.includes('.') && !ip.includes(':')) {
    const parts = ip.split('.');
    if (parts.length !== 4 || parts.some((p) => !/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255)) return undefined;
    return parts.map(Number);
  }
  if (!/^[0-9a-fA-F:]+$/.test(ip) || (ip.match(/::/g) ?? []).length > 1) return undefined;
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  if ([...h, ...t].some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const missing = 8 - h.length - t.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  const all = [...h, ...Array(tail === undefined ? 0 : missing).fill('0'), ...t].map((g) => parseInt(g, 16));
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

/** The CIDR's address bytes and prefix length, or undefined. */
export function parseCidr(cidr: unknown): { bytes: number[]; prefix: number } | undefined {
  if (typeof cidr !== 'string') return undefined;
  const m = /^([^/]+)\/([0-9]{1,3})$/.exec(cidr);
  if (!m) return undefined;
  const bytes = ipBytes(m[1]);
  const prefix = Number(m[2]);
  if (!bytes || prefix > bytes.length * 8) return undefined;
  return { bytes, prefix };
}

/** Whether `cidr` is a valid CIDR with no host bits set (`10.0.0.0/8`, not `10.1.2.3/8`). */
export function isCanonicalCidr(cidr: unknown): boolean {
  const c = parseCidr(cidr);
  if (!c) return false;
  return c.bytes.every((b, i) => {
    const keep = Math.max(0, Math.min(8, c.prefix - i * 8));
    return (b & (0xff >> keep)) === 0;
  });
}

/** Whether an IP address lies in a CIDR (same family). */
export function cidrContains(cidr: string, ip: string): boolean {
  const c = parseCidr(cidr);
  const a = ipBytes(ip);
  if (!c || !a || a.length !== c.bytes.length) return false;
  for (let bit = 0; bit < c.prefix; bit++) {
    const i = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if ((a[i] & mask) !== (c.bytes[i] & mask)) return false;
  }
  return true;
}

/** Every IPv4 and IPv6 address. */
export const ANY_ADDRESS: readonly string[] = ['0.0.0.0/0', '::/0'];

// ---------------------------------------------------------------------------
// Kubernetes labels
// ---------------------------------------------------------------------------

/** A Kubernetes label key: an optional DNS-subdomain prefix and "/", then a name of at most 63 characters. */
export const K8S_LABEL_KEY_PATTERN = '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$';
export const K8S_LABEL_KEY_ALLOWED = 'a Kubernetes label key such as "app.kubernetes.io/name" or "k8s-app"';
/** A Kubernetes label value: empty, or at most 63 characters, alphanumeric at both ends. */
export const K8S_LABEL_VALUE_PATTERN = '^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$';
export const K8S_LABEL_VALUE_ALLOWED = 'a Kubernetes label value: at most 63 letters, digits, "-", "_" or ".", alphanumeric at both ends';

// ---------------------------------------------------------------------------
// Metric and label names
// ---------------------------------------------------------------------------

/** A Prometheus label name that is not reserved (`__` prefix). */
export const LABEL_NAME_PATTERN = '^(?!__)[a-zA-Z_][a-zA-Z0-9_]*$';
export const LABEL_NAME_ALLOWED = 'a label name matching [a-zA-Z_][a-zA-Z0-9_]* that does not start with "__"';
/** A Prometheus (legacy-charset) metric name, as recording rules produce. */
export const PROMETHEUS_METRIC_NAME_PATTERN = '^[a-zA-Z_:][a-zA-Z0-9_:]*$';
export const PROMETHEUS_METRIC_NAME_ALLOWED = 'a metric name matching [a-zA-Z_:][a-zA-Z0-9_:]*';
/**
 * A metric name as it reaches a collector: an OpenTelemetry instrument name
 * (`http.server.request.duration`) or a Prometheus name (`up`); at most 255
 * characters, no quotes or spaces (it is embedded in an OTTL string).
 */
export const COLLECTOR_METRIC_NAME_PATTERN = '^[A-Za-z_:][A-Za-z0-9_:./-]{0,254}$';
export const COLLECTOR_METRIC_NAME_ALLOWED = 'an OpenTelemetry or Prometheus metric name such as "http.server.request.duration" or "up": letters, digits, "_", ":", ".", "/", "-", at most 255 characters';
/** An OpenTelemetry resource attribute name (`k8s.node.name`). */
export const OTEL_ATTRIBUTE_PATTERN = '^[A-Za-z_]([A-Za-z0-9_.-]{0,253}[A-Za-z0-9_-])?$';
export const OTEL_ATTRIBUTE_ALLOWED = 'an OpenTelemetry attribute name such as "k8s.node.name": letters, digits, "_", "." or "-", starting with a letter or "_", not ending with "."';

/** A compiled pattern of this module (cached). */
const compiled = new Map<string, RegExp>();
export function matches(pattern: string, v: unknown): v is string {
  if (typeof v !== 'string') return false;
  let re = compiled.get(pattern);
  if (!re) compiled.set(pattern, (re = new RegExp(pattern, 'u')));
  return re.test(v);
}
