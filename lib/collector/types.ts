import { EndpointProtocol } from '../endpoint';
import { COLLECTOR_COMPONENTS } from './registry';

/**
 * Core types of the OpenTelemetry collector config model.
 *
 * A collector config is a set of components (receivers, processors, exporters,
 * extensions, connectors), each with an id of the form `type[/name]`, wired
 * into pipelines per signal. Components declare the ports they listen on so
 * that container and Service ports are derived from the config, never typed
 * twice.
 */

/** A telemetry signal, and the pipeline type that carries it. */
export type Signal = 'traces' | 'metrics' | 'logs';

/** All signals, in the order pipelines are rendered. */
export const SIGNALS: readonly Signal[] = ['traces', 'metrics', 'logs'];

/** The five kinds of collector components (the top-level config sections, singular). */
export type ComponentClass = 'receiver' | 'processor' | 'exporter' | 'extension' | 'connector';

/** The config section a component class is rendered under. */
export const SECTION: Record<ComponentClass, string> = {
  receiver: 'receivers',
  processor: 'processors',
  exporter: 'exporters',
  extension: 'extensions',
  connector: 'connectors',
};

/**
 * Component types this package renders, derived from the registry
 * ({@link COLLECTOR_COMPONENTS}), which names the Go module of each.
 */
export type ReceiverType = keyof (typeof COLLECTOR_COMPONENTS)['receiver'];
export type ProcessorType = keyof (typeof COLLECTOR_COMPONENTS)['processor'];
export type ExporterType = keyof (typeof COLLECTOR_COMPONENTS)['exporter'];
export type ExtensionType = keyof (typeof COLLECTOR_COMPONENTS)['extension'];
export type ConnectorType = keyof (typeof COLLECTOR_COMPONENTS)['connector'];

/** The type union for a component class. */
export type TypeOf<C extends ComponentClass> = C extends 'receiver'
  ? ReceiverType
  : C extends 'processor'
    ? ProcessorType
    : C extends 'exporter'
      ? ExporterType
      : C extends 'extension'
        ? ExtensionType
        : ConnectorType;

/** A port a component (or the collector's own telemetry) listens on. */
export interface CollectorPort {
  /** Container and Service port name (IANA style, at most 15 characters). */
  readonly name: string;
  readonly port: number;
  readonly protocol: EndpointProtocol;
  /** Base path for HTTP endpoints. */
  readonly path?: string;
  /**
   * Whether the collector's Service exposes the port. Probe and self-metrics
   * ports are reached on the pod IP and stay off the Service (which may be a
   * LoadBalancer). @default true
   */
  readonly expose?: boolean;
}

/** One configured collector component. Built by the typed factories in `components.ts`. */
export interface CollectorComponent<C extends ComponentClass = ComponentClass> {
  readonly class: C;
  readonly type: TypeOf<C>;
  /** Optional instance name; the id is `type/name`. */
  readonly name?: string;
  /** The component's config body as rendered into the YAML (an empty object renders as `{}`). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Ports it listens on. @default none */
  readonly ports?: readonly CollectorPort[];
  /** Signals it can carry (for connectors: the signal on both sides). @default all */
  readonly signals?: readonly Signal[];
  /** Extension ids it references (e.g. `auth.authenticator`); they must be defined and enabled. */
  readonly requires?: readonly string[];
}

export type Receiver = CollectorComponent<'receiver'>;
export type Processor = CollectorComponent<'processor'>;
export type Exporter = CollectorComponent<'exporter'>;
export type Extension = CollectorComponent<'extension'>;
export type Connector = CollectorComponent<'connector'>;

const ID_PART = /^[a-z][a-z0-9_]*$/;
const NAME_PART = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** The `type[/name]` id of a component. */
export function componentId(c: Pick<CollectorComponent, 'type' | 'name'>): string {
  return c.name === undefined || c.name === '' ? c.type : `${c.type}/${c.name}`;
}

/** True when `id` has the collector's `type[/name]` form. */
export function isComponentId(id: string): boolean {
  const [type, name, ...rest] = id.split('/');
  return rest.length === 0 && ID_PART.test(type) && (name === undefined || NAME_PART.test(name));
}
