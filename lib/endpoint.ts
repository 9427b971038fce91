import type { Connections } from './network/model';
import { Obj, Static, Str } from './schema';
import { ValidationError } from './validation';
import { DNS1123_SUBDOMAIN_ALLOWED, DNS1123_SUBDOMAIN_PATTERN, SECRET_KEY_ALLOWED, SECRET_KEY_PATTERN } from './values';

/**
 * Typed network endpoints. A component exposes its endpoints as
 * {@link Endpoint} objects derived from the Service it renders; consumers take
 * the component (or the endpoint) and never build URL strings by hand.
 */

/** Wire protocol of an endpoint. `grpc` and `http` both ride on TCP. */
export type EndpointProtocol = 'http' | 'grpc' | 'tcp';

export interface EndpointProps {
  /** The Kubernetes Service name that serves this endpoint. */
  readonly service: string;
  /** The Service's namespace. */
  readonly namespace: string;
  /** The Service port number. */
  readonly port: number;
  /** The Service port name (also the container port name). */
  readonly portName: string;
  /** Application protocol. */
  readonly protocol: EndpointProtocol;
  /** Base path for HTTP endpoints, always starting with `/`. @default '' */
  readonly path?: string;
  /** Whether clients must use TLS. @default false */
  readonly tls?: boolean;
  /**
   * Host override for endpoints reached from outside the cluster (e.g. a
   * LoadBalancer DNS name of a management cluster's telemetry gateway).
   * @default the in-cluster Service DNS name `<service>.<namespace>.svc`
   */
  readonly host?: string;
  /**
   * The connections of the workload that serves this endpoint (its pods and
   * namespace). Wiring code records network edges against it; an endpoint
   * reached through another host (outside the cluster) has none.
   * @default none
   */
  readonly owner?: Connections;
}

export class Endpoint {
  public readonly service: string;
  public readonly namespace: string;
  public readonly port: number;
  public readonly portName: string;
  public readonly protocol: EndpointProtocol;
  public readonly path: string;
  public readonly tls: boolean;
  /** The connections of the workload that serves it (see {@link EndpointProps.owner}). */
  public readonly owner?: Connections;
  private readonly hostOverride?: string;

  constructor(props: EndpointProps) {
    if (props.path !== undefined && props.path !== '' && !props.path.startsWith('/')) {
      throw new ValidationError([{ field: 'endpoint.path', value: props.path, allowed: 'a path starting with "/"' }], 'Endpoint props');
    }
    this.service = props.service;
    this.namespace = props.namespace;
    this.port = props.port;
    this.portName = props.portName;
    this.protocol = props.protocol;
    this.path = props.path ?? '';
    this.tls = props.tls ?? false;
    this.hostOverride = props.host;
    this.owner = props.owner;
  }

  /**
   * The DNS name clients dial. In-cluster this is `<service>.<namespace>.svc`,
   * which resolves whatever the cluster domain is.
   */
  public get host(): string {
    return this.hostOverride ?? `${this.service}.${this.namespace}.svc`;
  }

  /** `host:port`, as gRPC clients and OTLP gRPC exporters expect it. */
  public get hostPort(): string {
    return `${this.host}:${this.port}`;
  }

  /** The URL scheme for HTTP(S) clients. */
  public get scheme(): 'http' | 'https' {
    return this.tls ? 'https' : 'http';
  }

  /** The full URL, with an optional sub-path appended to the base path. */
  public url(subPath = ''): string {
    if (subPath !== '' && !subPath.startsWith('/')) subPath = `/${subPath}`;
    return `${this.scheme}://${this.hostPort}${this.path}${subPath}`;
  }

  /** A copy of this endpoint with another base path (same Service and port). */
  public withPath(path: string): Endpoint {
    return new Endpoint({ ...this.props(), path });
  }

  /** A copy reached through another host (e.g. an external load balancer); it has no owner in this cluster. */
  public withHost(host: string, tls = this.tls): Endpoint {
    return new Endpoint({ ...this.props(), host, tls, owner: undefined });
  }

  /** A copy with TLS on or off (same Service, port and owner). */
  public withTls(tls: boolean): Endpoint {
    return new Endpoint({ ...this.props(), tls });
  }

  /** Plain-object form, handy for assertions and serialization (the owner is named, not expanded). */
  public toJSON(): Record<string, unknown> {
    const { owner, ...rest } = this.props();
    return { ...rest, host: this.host, ...(owner ? { owner: `${owner.self.namespace}/${owner.self.name}` } : {}) };
  }

  private props(): EndpointProps {
    return {
      service: this.service,
      namespace: this.namespace,
      port: this.port,
      portName: this.portName,
      protocol: this.protocol,
      path: this.path,
      tls: this.tls,
      host: this.hostOverride,
      owner: this.owner,
    };
  }
}

/**
 * A reference to one key of a Kubernetes Secret; secrets are never written
 * literally. `writeOnly`: a user who pastes the credential itself here never
 * sees it echoed in an error.
 */
export const SecretKeyRefSchema = Obj(
  {
    name: Str(DNS1123_SUBDOMAIN_PATTERN, `a Secret name (${DNS1123_SUBDOMAIN_ALLOWED})`, { maxLength: 253, doc: 'Secret name, in the namespace of the consuming pod.' }),
    key: Str(SECRET_KEY_PATTERN, SECRET_KEY_ALLOWED, { maxLength: 253, doc: 'Key within the Secret.' }),
  },
  { allowed: 'a reference to one key of a Kubernetes Secret: { name, key }', sensitive: true },
);
export type SecretKeyRef = Static<typeof SecretKeyRefSchema>;
