/**
 * Stand-ins for Loki's and Tempo's OTLP intake (their images are deployed,
 * never built here): a test-only collector (otelcol-sink: OTLP receiver and
 * file exporter, same release as the collector) listening where Loki
 * (`:3100/otlp/v1/logs`) and Tempo (`:4317` gRPC, `:4318` HTTP) listen, and
 * writing every request it receives as OTLP JSON lines.
 */
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';

export type SinkSignal = 'logs' | 'traces';

/** The sink's config: OTLP in on the given ports/paths, one JSON-lines file per signal out. */
export function sinkConfig(o: { grpcPort?: number; httpPort?: number; logsUrlPath?: string; signals: SinkSignal[]; dir: string; telemetryPort: number }): string {
  const protocols: Record<string, unknown> = {};
  if (o.grpcPort) protocols.grpc = { endpoint: `0.0.0.0:${o.grpcPort}` };
  if (o.httpPort) protocols.http = { endpoint: `0.0.0.0:${o.httpPort}`, ...(o.logsUrlPath ? { logs_url_path: o.logsUrlPath } : {}) };
  const exporters: Record<string, unknown> = {};
  const pipelines: Record<string, unknown> = {};
  for (const s of o.signals) {
    exporters[`file/${s}`] = { path: path.join(o.dir, `${s}.jsonl`), flush_interval: '100ms' };
    pipelines[s] = { receivers: ['otlp'], exporters: [`file/${s}`] };
  }
  return stringify({
    receivers: { otlp: { protocols } },
    exporters,
    service: {
      pipelines,
      telemetry: { metrics: { readers: [{ pull: { exporter: { prometheus: { host: '0.0.0.0', port: o.telemetryPort } } } }] } },
    },
  });
}

/** One received item (span or log record) with its resource attributes. */
export interface Received {
  readonly resource: Record<string, string>;
  readonly attributes: Record<string, string>;
  readonly body?: string;
  readonly name?: string;
}

function attrs(list: { key: string; value: Record<string, unknown> }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of list ?? []) out[a.key] = String(Object.values(a.value ?? {})[0] ?? '');
  return out;
}

/** Every span or log record the sink wrote for a signal. */
export function readReceived(dir: string, signal: SinkSignal): Received[] {
  const file = path.join(dir, `${signal}.jsonl`);
  if (!fs.existsSync(file)) return [];
  const out: Received[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let req: any;
    try {
      req = JSON.parse(line);
    } catch {
      continue; // a line still being written
    }
    if (signal === 'traces') {
      for (const rs of req.resourceSpans ?? []) {
        const resource = attrs(rs.resource?.attributes);
        for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) out.push({ resource, attributes: attrs(s.attributes), name: s.name });
      }
    } else {
      for (const rl of req.resourceLogs ?? []) {
        const resource = attrs(rl.resource?.attributes);
        for (const sl of rl.scopeLogs ?? []) for (const l of sl.logRecords ?? []) out.push({ resource, attributes: attrs(l.attributes), body: l.body?.stringValue });
      }
    }
  }
  return out;
}
