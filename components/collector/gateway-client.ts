import { k8s } from 'cdk8s-plus-28';
import { envRef, OTLP_GRPC_PORT } from '../../lib/collector';
import { SecretKeyRef } from '../../lib/endpoint';
import { secretFilePath, SecretMount } from './collector';
import { GatewayAuthFiles, GatewayExport, PersistentQueue } from './config';

/**
 * The env var holding the gateway's `host:port`. Every collector that dials a
 * {@link GatewayTarget} renders its exporter endpoint as
 * `${env:OTLP_GATEWAY_ENDPOINT}` and sets this env var on its container to a
 * plain `host:port` value. A deployment tool that only learns the gateway's
 * address after deploying it (the Pulumi front end, with the LoadBalancer's
 * address as an Output) replaces this one env value and leaves the config
 * (and its checksum) alone.
 */
export const GATEWAY_ENDPOINT_ENV = 'OTLP_GATEWAY_ENDPOINT';

/** Client authentication towards a telemetry gateway: a bearer token from a Secret. */
export type GatewayClientAuth = { readonly bearerToken: SecretKeyRef };

/** Address and credentials of a telemetry gateway (usually in another cluster). */
export interface GatewayTarget {
  /**
   * Host name the collector dials (e.g. the gateway's LoadBalancer DNS name).
   * It is rendered into the {@link GATEWAY_ENDPOINT_ENV} env var as
   * `host:port`, never into the config file.
   */
  readonly host: string;
  /** @default 4317 */
  readonly port?: number;
  /** CA bundle (PEM) that verifies the gateway's certificate. */
  readonly ca: SecretKeyRef;
  /**
   * Name expected in the gateway's certificate (`tls.server_name_override`).
   * Defaults to `host` and is always rendered, so the check does not depend on
   * what the env var ends up holding. When the env value is replaced after
   * deploy with an address the certificate does not name (the Pulumi path:
   * a LoadBalancer IP or generated DNS name), set this explicitly to the
   * certificate's name.
   * @default host
   */
  readonly serverName?: string;
  /** Credentials the gateway checks. */
  readonly auth: GatewayClientAuth;
}

/** What a collector needs to dial a gateway: Secret mounts, env and the exporter settings. */
export interface GatewayClient {
  /** The CA and the credentials, each projected from its Secret. */
  readonly secretMounts: SecretMount[];
  /** `OTLP_GATEWAY_ENDPOINT=host:port`. */
  readonly env: k8s.EnvVar[];
  /** Exporter settings: endpoint `${env:OTLP_GATEWAY_ENDPOINT}`, TLS (CA file, server name), auth files and the queue. */
  readonly export: GatewayExport;
  /** The port dialled (for the network edge to the gateway's addresses). */
  readonly port: number;
}

/**
 * Resolves a {@link GatewayTarget}: the CA goes to
 * `/etc/otelcol-secrets/gateway-ca/ca.crt`, a bearer token to
 * `…/gateway-token/token`; both read from mounted Secrets, never literal.
 * Shared by the node agent and the signal collectors.
 */
export function gatewayClient(g: GatewayTarget, queue?: PersistentQueue): GatewayClient {
  const secretMounts: SecretMount[] = [{ volume: 'gateway-ca', secretName: g.ca.name, items: [{ key: g.ca.key, path: 'ca.crt' }] }];
  secretMounts.push({ volume: 'gateway-token', secretName: g.auth.bearerToken.name, items: [{ key: g.auth.bearerToken.key, path: 'token' }] });
  const auth: GatewayAuthFiles = { bearerTokenFile: secretFilePath('gateway-token', 'token') };
  const port = g.port ?? OTLP_GRPC_PORT;
  return {
    secretMounts,
    // Built from the typed address the caller gave (the gateway lives in another cluster).
    env: [{ name: GATEWAY_ENDPOINT_ENV, value: `${g.host}:${port}` }],
    export: {
      endpoint: envRef(GATEWAY_ENDPOINT_ENV),
      tls: { caFile: secretFilePath('gateway-ca', 'ca.crt'), serverNameOverride: g.serverName ?? g.host },
      auth,
      ...(queue ? { queue } : {}),
    },
    port,
  };
}

/** The short description of a gateway target used in "allowed" messages. */
export const GATEWAY_TARGET_ALLOWED = 'a GatewayTarget { host, port?, ca, serverName?, auth }';
