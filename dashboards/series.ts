/**
 * Label values of upstream software that the dashboards and the alert rules
 * both select on. They live apart from the dashboard builders so the alert
 * rules (rendered on every synth) do not load the Grafana Foundation SDK.
 * `./backends` and `./gateway` re-export them.
 */

/**
 * Loki's push routes as they appear in the `route` label of
 * `loki_request_duration_seconds`: dskit's MakeLabelValue of the mux paths
 * `/loki/api/v1/push`, `/api/prom/push` and `/otlp/v1/logs`
 * (loki v3.7.6 pkg/loki/modules.go initDistributor; vendor/github.com/grafana/dskit/middleware/route_injector.go).
 */
export const LOKI_PUSH_ROUTES: readonly string[] = ['loki_api_v1_push', 'api_prom_push', 'otlp_v1_logs'];

/**
 * The `handler` label values of Prometheus' remote-write and OTLP receivers:
 * the `/api/v1` prefix plus the route (prometheus v3.14.0 web/web.go
 * instrumentHandlerWithPrefix("/api/v1"); web/api/v1/api.go `/write`, `/otlp/v1/metrics`).
 */
export const PROMETHEUS_INTAKE_HANDLERS = { remoteWrite: '/api/v1/write', otlp: '/api/v1/otlp/v1/metrics' } as const;

/**
 * Envoy clusters kgateway defines for itself, not for routes: the xDS
 * connection, the admin port (readiness and metrics routes) and the Istio SDS
 * agent (kgateway-dev/kgateway pkg/kgateway/helm/envoy/templates/configmap.yaml,
 * `static_resources.clusters`).
 */
export const KGATEWAY_INTERNAL_CLUSTERS: readonly string[] = ['xds_cluster', 'admin_port_cluster', 'gateway_proxy_sds'];
/**
 * HTTP connection manager stat prefixes of kgateway's own listeners: the
 * readiness listener (`ingress_http`) and the metrics listener (`prometheus`)
 * (same file, `static_resources.listeners`), and Envoy's admin interface
 * (`admin`: every scrape and readiness probe passes through it; envoyproxy/envoy
 * test/integration/integration_admin_test.cc, envoy_http_conn_manager_prefix="admin").
 */
export const KGATEWAY_INTERNAL_LISTENERS: readonly string[] = ['ingress_http', 'prometheus', 'admin'];
