/**
 * otel-lgtm-k8s: typed constructs for the OpenTelemetry LGTM stack on
 * Kubernetes (cdk8s). The Pulumi component lives at `otel-lgtm-k8s/pulumi`.
 */
export * from './lib';
export * from './components/loki';
export * from './components/tempo';
export * from './components/prometheus';
export * from './components/grafana';
export * from './components/collector';
export * from './components/gateway-policies';
export * as dashboards from './dashboards';
export * from './stacks/config';
export * from './stacks/backends';
export * from './stacks/collection';
export * from './stacks/namespace';
export * from './stacks/single-node';
export * from './stacks/per-cluster';
export * from './stacks/multi-cluster';
export { addCharts, buildApp, chartPrefix, checkRendered, MAX_CONFIGMAP_BYTES } from './stacks/build';
export type { LayoutChart } from './stacks/build';
export { loadConfigFile, MAX_CONFIG_BYTES, MAX_CONFIG_DEPTH, parseConfigText, readConfigFile } from './stacks/load';
export type { SourcedConfig } from './stacks/load';
export { renderApp, synthCharts, writeRendered } from './stacks/render';
export type { RenderedFile } from './stacks/render';
export { apiGroup, isBuiltInKind, orderForApply, BUILT_IN_API_GROUPS } from './lib/apply-order';
export type { RenderedObject } from './lib/apply-order';
export { prerequisites, prerequisitesFileName, prerequisitesText, pluralOf } from './stacks/prerequisites';
export type { CrdPrerequisite, NamespacePrerequisite, Prerequisites, SecretPrerequisite } from './stacks/prerequisites';
