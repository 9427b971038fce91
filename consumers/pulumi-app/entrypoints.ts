// Both entry points, type-checked from a CommonJS file under each moduleResolution (tsconfig.*.json).
import { LgtmStack, LgtmStackArgs } from 'otel-lgtm-k8s/pulumi';
import { Loki, LgtmConfig, TelemetryBackends } from 'otel-lgtm-k8s';

export const entryPoints: [typeof LgtmStack, typeof Loki, typeof TelemetryBackends] = [LgtmStack, Loki, TelemetryBackends];
export type Used = [LgtmStackArgs, LgtmConfig];
