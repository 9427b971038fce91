import { stringifyYaml } from '../yaml-writer';
import { ValidationError } from '../validation';
import {
  CollectorComponent,
  CollectorPort,
  ComponentClass,
  componentId,
  Connector,
  Exporter,
  Extension,
  isComponentId,
  Processor,
  Receiver,
  SECTION,
  Signal,
  SIGNALS,
} from './types';

/** A reference to a component in a pipeline: the component itself or its `type[/name]` id. */
export type ComponentRef = CollectorComponent | string;

/** One pipeline of the `service.pipelines` section. */
export interface PipelineSpec {
  /** Signal (pipeline type). */
  readonly signal: Signal;
  /** Optional pipeline name; the pipeline id is `signal/name`. */
  readonly name?: string;
  /** Receivers and connectors it reads from. */
  readonly receivers: readonly ComponentRef[];
  /**
   * Processors in order. The model requires `memory_limiter` first and
   * `batch` last in every pipeline (see {@link CollectorConfig.validate}).
   */
  readonly processors: readonly ComponentRef[];
  /** Exporters and connectors it writes to. */
  readonly exporters: readonly ComponentRef[];
}

/** Options of the collector's own telemetry (`service.telemetry`). */
export interface TelemetryOptions {
  /**
   * Port of the pull/prometheus metrics reader that exposes the collector's own
   * metrics on `0.0.0.0:<port>/metrics`. @default 8888
   */
  readonly metricsPort?: number;
  /** `service.telemetry.metrics.level`. @default 'normal' */
  readonly metricsLevel?: 'basic' | 'normal' | 'detailed';
  /** `service.telemetry.logs.level`. @default 'info' */
  readonly logsLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/** The port name of the collector's self-metrics reader. */
export const TELEMETRY_PORT_NAME = 'metrics';
/** Default self-metrics port (the collector's documented default reader port). */
export const DEFAULT_TELEMETRY_PORT = 8888;
/** The id under which the telemetry reader's port appears in clash errors. */
export const TELEMETRY_ID = 'service.telemetry.metrics';

/**
 * Thrown when a collector config is inconsistent: a {@link ValidationError}
 * whose problems each name the components involved (field) and what is wrong.
 */
export class CollectorConfigError extends ValidationError {
  /** The problems as sentences. */
  public readonly messages: readonly string[];
  constructor(problems: readonly string[], where?: string) {
    super(
      problems.map((p) => ({ field: 'collector config', value: undefined, allowed: 'a consistent collector config', detail: p })),
      where ? `collector config of ${where}` : 'collector config',
    );
    this.messages = problems;
  }
}

interface Entry {
  readonly component: CollectorComponent;
  readonly id: string;
}

/**
 * A typed OpenTelemetry collector configuration.
 *
 * Components are added with their typed factories (see `components.ts`),
 * pipelines reference them, and {@link toObject}/{@link toYaml} render the
 * collector's config file after {@link validate} has checked that:
 *
 * - every id has the `type[/name]` form and is defined once per class
 *   (connectors share the id space of receivers and exporters);
 * - every pipeline references only defined components of the right class,
 *   which support the pipeline's signal;
 * - every pipeline has at least one receiver and exporter, starts with a
 *   `memory_limiter` processor and ends with a `batch` processor;
 * - no component is defined but unused (extensions must be in
 *   `service.extensions`; connectors must be both exported to and received from);
 * - every extension a component references (authenticators) is enabled;
 * - no two ports clash (by number or by name).
 *
 * The health_check extension and the self-metrics reader are part of every
 * collector this package renders; add the former with `healthCheck()`.
 */
export class CollectorConfig {
  private readonly entries = new Map<string, Entry>();
  private readonly duplicates: string[] = [];
  private readonly enabledExtensions: string[] = [];
  private readonly pipelines = new Map<string, PipelineSpec>();
  private readonly pipelineProblems: string[] = [];
  private readonly telemetry: Required<TelemetryOptions>;
  private frozenBy?: string;

  constructor(telemetry: TelemetryOptions = {}) {
    this.telemetry = {
      metricsPort: telemetry.metricsPort ?? DEFAULT_TELEMETRY_PORT,
      metricsLevel: telemetry.metricsLevel ?? 'normal',
      logsLevel: telemetry.logsLevel ?? 'info',
    };
  }

  /** Adds receivers. */
  public addReceiver(...rs: Receiver[]): this {
    return this.addAll('receiver', rs);
  }

  /** Adds processors (their order in pipelines is set by the pipelines). */
  public addProcessor(...ps: Processor[]): this {
    return this.addAll('processor', ps);
  }

  /** Adds exporters. */
  public addExporter(...es: Exporter[]): this {
    return this.addAll('exporter', es);
  }

  /** Adds connectors. */
  public addConnector(...cs: Connector[]): this {
    return this.addAll('connector', cs);
  }

  /**
   * Adds an extension and, unless `enable` is false, lists it in
   * `service.extensions` (an extension that is defined but not enabled is an error).
   */
  public addExtension(e: Extension, opts: { enable?: boolean } = {}): this {
    this.addAll('extension', [e]);
    if (opts.enable ?? true) this.enableExtension(componentId(e));
    return this;
  }

  /** Lists an extension id in `service.extensions`. */
  public enableExtension(id: string): this {
    this.assertMutable();
    if (!this.enabledExtensions.includes(id)) this.enabledExtensions.push(id);
    return this;
  }

  /** Adds a pipeline. Its id is `signal[/name]`; ids must be unique. */
  public addPipeline(p: PipelineSpec): this {
    this.assertMutable();
    const id = p.name ? `${p.signal}/${p.name}` : p.signal;
    if (this.pipelines.has(id)) this.pipelineProblems.push(`pipeline "${id}" is defined twice`);
    this.pipelines.set(id, p);
    return this;
  }

  /** Whether a component id is defined (in any class, or in the given one). */
  public has(id: string, cls?: ComponentClass): boolean {
    return [...this.entries.values()].some((e) => e.id === id && (cls === undefined || e.component.class === cls));
  }

  /** The ids of the defined components of a class, in insertion order. */
  public ids(cls: ComponentClass): string[] {
    return [...this.entries.values()].filter((e) => e.component.class === cls).map((e) => e.id);
  }

  /** The pipeline ids, in insertion order. */
  public get pipelineIds(): string[] {
    return [...this.pipelines.keys()];
  }

  /** The collector's self-metrics reader port. */
  public get telemetryPort(): CollectorPort {
    return { name: TELEMETRY_PORT_NAME, port: this.telemetry.metricsPort, protocol: 'http', path: '/metrics', expose: false };
  }

  /**
   * Every port the collector listens on: those of the defined components (in
   * definition order) and the self-metrics reader. Container and Service ports
   * are derived from this list.
   */
  public get ports(): CollectorPort[] {
    return [...this.portOwners().map((o) => o.port)];
  }

  /** Every problem found (empty when the config is valid). */
  public problems(): string[] {
    const problems: string[] = [...this.duplicates, ...this.pipelineProblems];
    for (const e of this.entries.values()) {
      if (!isComponentId(e.id)) problems.push(`${e.component.class} id "${e.id}" is invalid; allowed: "type[/name]" with a lower-case snake_case type`);
    }

    const used = new Set<string>();
    const connectorIn = new Set<string>();
    const connectorOut = new Set<string>();
    if (this.pipelines.size === 0) problems.push('service.pipelines is empty; a collector needs at least one pipeline');

    for (const [pid, p] of this.pipelines) {
      const where = `pipeline "${pid}"`;
      const recv = p.receivers.map(refId);
      const procs = p.processors.map(refId);
      const exps = p.exporters.map(refId);
      if (recv.length === 0) problems.push(`${where} has no receivers`);
      if (exps.length === 0) problems.push(`${where} has no exporters`);
      const check = (ids: string[], role: 'receivers' | 'processors' | 'exporters', allowed: ComponentClass[]) => {
        const seen = new Set<string>();
        for (const id of ids) {
          if (seen.has(id)) problems.push(`${where} lists ${role} "${id}" twice`);
          seen.add(id);
          const e = this.lookup(id, allowed);
          if (!e) {
            const other = [...this.entries.values()].find((x) => x.id === id);
            problems.push(
              other
                ? `${where} lists ${other.component.class} "${id}" in ${role}; allowed there: ${allowed.join(' or ')}`
                : `${where} references undefined ${allowed.join(' or ')} "${id}" in ${role}`,
            );
            continue;
          }
          used.add(keyOf(e.component.class, id));
          const signals = e.component.signals;
          if (signals && !signals.includes(p.signal)) {
            problems.push(`${where}: ${e.component.class} "${id}" does not support ${p.signal} (supports ${signals.join(', ')})`);
          }
          if (e.component.class === 'connector') (role === 'receivers' ? connectorOut : connectorIn).add(id);
        }
      };
      check(recv, 'receivers', ['receiver', 'connector']);
      check(procs, 'processors', ['processor']);
      check(exps, 'exporters', ['exporter', 'connector']);

      const typeOf = (id: string | undefined) => (id === undefined ? undefined : this.lookup(id, ['processor'])?.component.type);
      if (typeOf(procs[0]) !== 'memory_limiter') {
        problems.push(`${where} must start with a memory_limiter processor (processors: [${procs.join(', ')}])`);
      }
      if (typeOf(procs[procs.length - 1]) !== 'batch') {
        problems.push(`${where} must end with a batch processor before its exporters (processors: [${procs.join(', ')}])`);
      }
    }

    for (const e of this.entries.values()) {
      const c = e.component;
      if (c.class === 'extension') {
        if (!this.enabledExtensions.includes(e.id)) problems.push(`extension "${e.id}" is defined but not listed in service.extensions`);
      } else if (c.class === 'connector') {
        if (!connectorIn.has(e.id) || !connectorOut.has(e.id)) {
          problems.push(`connector "${e.id}" must be used as an exporter in one pipeline and as a receiver in another`);
        }
      } else if (!used.has(keyOf(c.class, e.id))) {
        problems.push(`${c.class} "${e.id}" is defined but not used in any pipeline`);
      }
      for (const req of c.requires ?? []) {
        const ext = this.lookup(req, ['extension']);
        if (!ext) problems.push(`${c.class} "${e.id}" references undefined extension "${req}"`);
        else if (!this.enabledExtensions.includes(req)) problems.push(`${c.class} "${e.id}" references extension "${req}", which is not listed in service.extensions`);
      }
    }
    for (const id of this.enabledExtensions) {
      if (!this.lookup(id, ['extension'])) problems.push(`service.extensions lists undefined extension "${id}"`);
    }

    problems.push(...portProblems(this.portOwners()));
    return problems;
  }

  /** Throws a {@link CollectorConfigError} listing every problem, naming the ids involved. */
  public validate(where?: string): void {
    const problems = this.problems();
    if (problems.length > 0) throw new CollectorConfigError(problems, where);
  }

  /**
   * The collector config as a plain object, validated. `where` (e.g. the
   * construct path) prefixes error messages.
   */
  public toObject(where?: string): Record<string, unknown> {
    this.validate(where);
    const out: Record<string, unknown> = {};
    for (const cls of ['extension', 'receiver', 'processor', 'connector', 'exporter'] as ComponentClass[]) {
      const es = [...this.entries.values()].filter((e) => e.component.class === cls);
      if (es.length > 0) out[SECTION[cls]] = Object.fromEntries(es.map((e) => [e.id, { ...e.component.config }]));
    }
    const pipelines: Record<string, unknown> = {};
    const ordered = [...this.pipelines.entries()].sort((a, b) => SIGNALS.indexOf(a[1].signal) - SIGNALS.indexOf(b[1].signal));
    for (const [id, p] of ordered) {
      pipelines[id] = { receivers: p.receivers.map(refId), processors: p.processors.map(refId), exporters: p.exporters.map(refId) };
    }
    out.service = {
      extensions: [...this.enabledExtensions],
      telemetry: {
        logs: { level: this.telemetry.logsLevel },
        metrics: {
          level: this.telemetry.metricsLevel,
          // Only the `readers` form is valid at 0.159 (`metrics.address` is gone).
          // Like the 0.159 default reader (service/telemetry/otelconftelemetry/
          // factory.go) but on all interfaces, so the pod can be scraped on its
          // IP, and with Prometheus naming (type and unit suffixes: e.g.
          // otelcol_receiver_accepted_spans_total, otelcol_process_memory_rss_bytes).
          // The suffixed names survive every path into Prometheus unchanged
          // (direct scrape, or scrape + remote write, whose translation adds the
          // same suffixes to unsuffixed names), so dashboards and alerts
          // (dashboards/metrics.ts, naming 'prometheus') see one set of names.
          readers: [
            {
              pull: {
                exporter: {
                  prometheus: {
                    host: '0.0.0.0',
                    port: this.telemetry.metricsPort,
                    without_scope_info: true,
                    without_units: false,
                    without_type_suffix: false,
                  },
                },
              },
            },
          ],
        },
      },
      pipelines,
    };
    return out;
  }

  /** The collector config file (YAML), validated. */
  public toYaml(where?: string): string {
    return stringifyYaml(this.toObject(where));
  }

  /**
   * Freezes the model once a construct has rendered it into a ConfigMap, so a
   * later change cannot silently diverge from what was deployed.
   */
  public freeze(by: string): void {
    this.frozenBy = by;
  }

  private addAll(cls: ComponentClass, cs: CollectorComponent[]): this {
    this.assertMutable();
    for (const c of cs) {
      if (c.class !== cls) throw new ValidationError([{ field: 'component', value: componentId(c), allowed: `a ${cls} (got a ${c.class})` }], 'CollectorConfig');
      const id = componentId(c);
      if (this.entries.has(keyOf(cls, id))) {
        this.duplicates.push(`${cls} "${id}" is defined twice`);
        continue;
      }
      // Connectors share the id space of receivers and exporters (they appear in both lists).
      const shared: ComponentClass[] = cls === 'connector' ? ['receiver', 'exporter'] : cls === 'receiver' || cls === 'exporter' ? ['connector'] : [];
      const clash = shared.find((other) => this.entries.has(keyOf(other, id)));
      if (clash) {
        this.duplicates.push(`${cls} "${id}" has the id of ${clash === 'exporter' ? 'an' : 'a'} ${clash}; connector ids must differ from receiver and exporter ids`);
        continue;
      }
      this.entries.set(keyOf(cls, id), { component: c, id });
    }
    return this;
  }

  /** The component with this id in one of the classes. */
  private lookup(id: string, classes: readonly ComponentClass[]): Entry | undefined {
    for (const cls of classes) {
      const e = this.entries.get(keyOf(cls, id));
      if (e) return e;
    }
    return undefined;
  }

  private portOwners(): { owner: string; port: CollectorPort }[] {
    const out: { owner: string; port: CollectorPort }[] = [];
    for (const e of this.entries.values()) for (const p of e.component.ports ?? []) out.push({ owner: `${e.component.class} "${e.id}"`, port: p });
    out.push({ owner: `"${TELEMETRY_ID}"`, port: this.telemetryPort });
    return out;
  }

  private assertMutable(): void {
    if (this.frozenBy) throw new ValidationError([{ field: 'config', value: 'frozen', allowed: `changes before the collector that renders it is constructed (already rendered by ${this.frozenBy})` }], 'CollectorConfig');
  }
}

function keyOf(cls: ComponentClass, id: string): string {
  return `${cls}:${id}`;
}

function refId(r: ComponentRef): string {
  return typeof r === 'string' ? r : componentId(r);
}

function portProblems(owners: { owner: string; port: CollectorPort }[]): string[] {
  const problems: string[] = [];
  const byNumber = new Map<number, { owner: string; port: CollectorPort }>();
  const byName = new Map<string, { owner: string; port: CollectorPort }>();
  for (const o of owners) {
    const p = o.port;
    if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) problems.push(`${o.owner} port "${p.name}": ${p.port} is not a port from 1 to 65535`);
    if (p.name.length > 15 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(p.name)) {
      problems.push(`${o.owner} port name "${p.name}" is invalid; allowed: at most 15 lower-case letters, digits and "-"`);
    }
    const n = byNumber.get(p.port);
    if (n) problems.push(`port clash: ${n.owner} port "${n.port.name}" and ${o.owner} port "${p.name}" both use ${p.port}`);
    else byNumber.set(p.port, o);
    const m = byName.get(p.name);
    if (m) problems.push(`port name clash: ${m.owner} and ${o.owner} both name a port "${p.name}"`);
    else byName.set(p.name, o);
  }
  return problems;
}
