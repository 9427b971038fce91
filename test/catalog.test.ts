/**
 * The catalog of bad config files: each a realistic mistake, run through the
 * CLI entry point (`main()` of app.ts, as `npm run synth` runs it with
 * LGTM_CONFIG). Every one must exit non-zero, write nothing, and print one
 * message naming the file, the config path the user wrote, the value (or
 * that it is not shown) and what is allowed; never a stack trace, a
 * construct path or a construct field.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { main } from '../app';

/** A minimal valid per-cluster config; most cases add one defect to it. */
const BASE = 'layout: per-cluster\nname: cat\nclusterName: c1\n';
const S3 = (bucket: string) =>
  `    s3:\n      endpoint: s3.eu-west-1.amazonaws.com\n      bucket: ${bucket}\n      credentials:\n        accessKeyId: { name: store, key: id }\n        secretAccessKey: { name: store, key: secret }\n`;
const MC = (gateway = 'externalHost: otlp.example.com, tlsSecret: gw-tls, authTokenSecret: { name: gw-auth, key: token }', workloads = '[{ name: w1, gatewayTokenSecret: { name: gw-auth, key: token } }]') =>
  `layout: multi-cluster\nname: fleet\nmultiCluster:\n  management: { name: mgmt, telemetryGateway: { ${gateway} } }\n  workloadClusters: ${workloads}\n`;

interface Case {
  /** The mistake. */
  readonly what: string;
  /** The file content (text, or raw bytes). */
  readonly file: string | Buffer;
  /** The config path (or `(file)`) the message must name. */
  readonly path: string;
  /** Text the problem's line must contain: the value as echoed, or a part of what is allowed. */
  readonly says: string | RegExp;
  /** File name, when it matters. @default bad.yaml */
  readonly name?: string;
}

const cases: Case[] = [
  // --- the file itself ---------------------------------------------------------------------
  { what: 'an empty file', file: '', path: '(file)', says: 'the file is empty' },
  { what: 'only comments', file: '# todo: fill in\n', path: '(file)', says: 'the file is empty' },
  { what: 'only a document marker', file: '---\n', path: '(file)', says: 'the file is empty' },
  { what: 'a YAML null document', file: '~\n', path: '(file)', says: 'the file is empty' },
  { what: 'a plain word', file: 'per-cluster\n', path: '(file)', says: 'the document is a string, not a mapping' },
  { what: 'a number', file: '42\n', path: '(file)', says: 'the document is a number, not a mapping' },
  { what: 'a list at the top', file: '- layout: per-cluster\n', path: '(file)', says: 'the document is a list, not a mapping' },
  { what: 'two documents', file: `${BASE}---\n${BASE}`, path: '(file)', says: '2 YAML documents' },
  { what: 'an unclosed flow sequence', file: 'layout: [per-cluster\n', path: '(file)', says: /YAML error at line \d+, column \d+/ },
  { what: 'a tab-indented mapping', file: 'layout: per-cluster\nloki:\n\tretention: 30d\n', path: '(file)', says: /YAML error at line 3, column 1/ },
  { what: 'a duplicate key', file: `${BASE}clusterName: c2\n`, path: '(file)', says: /YAML error at line 4, column 1: Map keys must be unique/ },
  { what: 'a bad indentation', file: 'layout: per-cluster\nloki:\n  retention: 30d\n   tenant: a\n', path: '(file)', says: /YAML error at line 3, column \d+: Nested mappings/ },
  { what: 'an unterminated quote', file: 'layout: "per-cluster\nclusterName: c1\n', path: '(file)', says: /YAML error at line \d+, column \d+/ },
  { what: 'JSON with a missing colon', file: '{"layout" "per-cluster", "clusterName": "c1"}\n', path: '(file)', says: /YAML error at line 1, column \d+/ },
  { what: 'a billion-laughs alias bomb', file: aliasBomb(), path: '(file)', says: 'too many YAML aliases' },
  { what: 'deep flow nesting', file: `layout: per-cluster\nclusterName: c1\nloki: ${'['.repeat(5000)}${']'.repeat(5000)}\n`, path: '(file)', says: 'nesting 5000 levels deep' },
  { what: 'deep block nesting', file: `${BASE}loki:\n${Array.from({ length: 40 }, (_, i) => `${'  '.repeat(i + 1)}k${i}:`).join('\n')} x\n`, path: '(file)', says: 'nesting more than 32 levels deep' },
  { what: 'a file over 1 MiB', file: `${BASE}# ${'x'.repeat(1024 * 1024)}\n`, path: '(file)', says: /\d+ bytes; allowed: a config file of at most 1048576 bytes/ },
  { what: 'Latin-1 bytes (not UTF-8)', file: Buffer.concat([Buffer.from(`${BASE}# caf`), Buffer.from([0xe9]), Buffer.from('\n')]), path: '(file)', says: 'not UTF-8 text (first invalid byte on line 4)' },
  { what: 'UTF-16 text', file: Buffer.from(`\ufeff${BASE}`, 'utf16le'), path: '(file)', says: 'not UTF-8' },
  { what: 'a binary file', file: Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0xfe, 0x00, 0x01]), path: '(file)', says: 'not UTF-8' },
  { what: 'a missing file', file: '', name: '(missing)', path: '(file)', says: 'no such file' },

  // --- layout fields ------------------------------------------------------------------------
  { what: 'no layout', file: 'clusterName: c1\n', path: 'layout', says: 'a required field' },
  { what: 'an unknown layout', file: 'layout: galaxy\nclusterName: c1\n', path: 'layout', says: '"galaxy" is invalid; allowed: one of "single-node", "per-cluster", "multi-cluster"' },
  { what: 'the layout in capitals', file: 'layout: Per-Cluster\nclusterName: c1\n', path: 'layout', says: '"Per-Cluster"' },
  { what: 'a layout list', file: 'layout: [per-cluster]\nclusterName: c1\n', path: 'layout', says: '["per-cluster"] is invalid' },
  { what: 'a misspelt top-level field', file: `${BASE}namspace: telemetry\n`, path: 'namspace', says: 'did you mean "namespace"?' },
  { what: 'a top-level field from another tool', file: `${BASE}replicaCount: 3\n`, path: 'replicaCount', says: 'unknown field; allowed: known fields here: $schema, layout, name' },
  { what: 'a name with capitals', file: 'layout: per-cluster\nname: Prod\nclusterName: c1\n', path: 'name', says: '"Prod" is invalid; allowed: a DNS-1035 label' },
  { what: 'a name starting with a digit', file: 'layout: per-cluster\nname: 1prod\nclusterName: c1\n', path: 'name', says: '"1prod"' },
  { what: 'a name of 64 characters', file: `layout: per-cluster\nname: ${'a'.repeat(64)}\nclusterName: c1\n`, path: 'name', says: 'at most 63 characters' },
  { what: 'a number as name', file: 'layout: per-cluster\nname: 2024\nclusterName: c1\n', path: 'name', says: '2024 is invalid' },
  { what: 'namespace kube-system', file: `${BASE}namespace: kube-system\n`, path: 'namespace', says: 'other than "kube-system"' },
  { what: 'namespace default', file: `${BASE}namespace: default\n`, path: 'namespace', says: '"default" is invalid' },
  { what: 'namespace kube-public', file: `${BASE}namespace: kube-public\n`, path: 'namespace', says: '"kube-public" is invalid' },
  { what: 'namespace kube-node-lease', file: `${BASE}namespace: kube-node-lease\n`, path: 'namespace', says: '"kube-node-lease" is invalid' },
  { what: 'a namespace with an underscore', file: `${BASE}namespace: tele_metry\n`, path: 'namespace', says: 'a DNS-1123 label' },
  { what: 'a namespace with a dot', file: `${BASE}namespace: telemetry.prod\n`, path: 'namespace', says: '"telemetry.prod"' },
  { what: 'a namespace too long', file: `${BASE}namespace: ${'n'.repeat(64)}\n`, path: 'namespace', says: 'at most 63 characters' },
  { what: 'no clusterName (per-cluster)', file: 'layout: per-cluster\n', path: 'clusterName', says: 'required for layout "per-cluster"' },
  { what: 'no clusterName (single-node)', file: 'layout: single-node\n', path: 'clusterName', says: 'required for layout "single-node"' },
  { what: 'a clusterName with spaces', file: 'layout: per-cluster\nclusterName: prod eu 1\n', path: 'clusterName', says: '"prod eu 1" is invalid; allowed: a cluster name' },
  { what: 'a clusterName with capitals', file: 'layout: per-cluster\nclusterName: Prod-EU\n', path: 'clusterName', says: '"Prod-EU"' },

  // --- Loki -------------------------------------------------------------------------------
  { what: 'a misspelt loki field', file: `${BASE}loki: { retension: 30d }\n`, path: 'loki.retension', says: 'did you mean "retention"?' },
  { what: 'loki retention below 24h', file: `${BASE}loki: { retention: 12h }\n`, path: 'loki.retention', says: 'at least "24h"' },
  { what: 'loki retention in words', file: `${BASE}loki: { retention: 30 days }\n`, path: 'loki.retention', says: '"30 days" is invalid' },
  { what: 'loki retention as a number', file: `${BASE}loki: { retention: 720 }\n`, path: 'loki.retention', says: '720 is invalid' },
  { what: 'loki retention units out of order', file: `${BASE}loki: { retention: 2d1w }\n`, path: 'loki.retention', says: 'largest first' },
  { what: 'loki retention beyond 292 years', file: `${BASE}loki: { retention: 300y }\n`, path: 'loki.retention', says: 'at most about 292y' },
  { what: 'loki retention "never"', file: `${BASE}loki: { retention: never }\n`, path: 'loki.retention', says: 'or "forever" to disable deletion' },
  { what: 'loki disabled as a string', file: `${BASE}loki: { enabled: "no" }\n`, path: 'loki.enabled', says: '"no" is invalid; allowed: true or false' },
  { what: 'loki as a string', file: `${BASE}loki: enabled\n`, path: 'loki', says: '"enabled" is invalid; allowed: an object with the fields enabled' },
  { what: 'a loki tenant with a pipe', file: `${BASE}loki: { tenant: "team|a" }\n`, path: 'loki.tenant', says: 'a Loki tenant ID' },
  { what: 'a loki tenant ".."', file: `${BASE}loki: { tenant: ".." }\n`, path: 'loki.tenant', says: 'not "." or ".."' },
  { what: 'a future schemaFrom', file: `${BASE}loki: { schemaFrom: "2999-01-01" }\n`, path: 'loki.schemaFrom', says: 'no later than today' },
  { what: 'an impossible schemaFrom', file: `${BASE}loki: { schemaFrom: "2024-02-30" }\n`, path: 'loki.schemaFrom', says: '"2024-02-30"' },
  { what: 'a schemaFrom with slashes', file: `${BASE}loki: { schemaFrom: 2024/04/01 }\n`, path: 'loki.schemaFrom', says: 'YYYY-MM-DD' },
  { what: 'an OTLP index label with a space', file: `${BASE}loki: { otlpIndexLabels: [k8s node] }\n`, path: 'loki.otlpIndexLabels[0]', says: 'OpenTelemetry attribute name' },
  { what: 'a duplicate OTLP index label', file: `${BASE}loki: { otlpIndexLabels: [k8s.node.name, k8s.node.name] }\n`, path: 'loki.otlpIndexLabels[1]', says: 'each entry at most once' },
  { what: 'OTLP index labels as a string', file: `${BASE}loki: { otlpIndexLabels: k8s.node.name }\n`, path: 'loki.otlpIndexLabels', says: '"k8s.node.name" is invalid; allowed: a list' },
  { what: 'a zero loki volume', file: `${BASE}loki: { storage: { volume: { size: 0Gi } } }\n`, path: 'loki.storage.volume.size', says: 'greater than zero' },
  { what: 'a negative loki volume', file: `${BASE}loki: { storage: { volume: { size: -10Gi } } }\n`, path: 'loki.storage.volume.size', says: '"-10Gi"' },
  { what: 'a volume size in GB with a space', file: `${BASE}loki: { storage: { volume: { size: 10 GB } } }\n`, path: 'loki.storage.volume.size', says: '"10 GB"' },
  { what: 'a StorageClass with capitals', file: `${BASE}loki: { storage: { volume: { storageClassName: Fast-SSD } } }\n`, path: 'loki.storage.volume.storageClassName', says: 'a StorageClass name' },
  { what: 'an S3 endpoint given as a URL', file: `${BASE}loki:\n  storage:\n${S3('logs-bucket').replace('s3.eu-west-1.amazonaws.com', 'https://s3.eu-west-1.amazonaws.com')}`, path: 'loki.storage.s3.endpoint', says: 'no scheme' },
  { what: 'an S3 endpoint port out of range', file: `${BASE}loki:\n  storage:\n${S3('logs-bucket').replace('s3.eu-west-1.amazonaws.com', 'minio.storage.svc:99999')}`, path: 'loki.storage.s3.endpoint', says: 'port (1-65535)' },
  { what: 'S3 without a bucket', file: `${BASE}loki:\n  storage:\n${S3('x').replace('      bucket: x\n', '')}`, path: 'loki.storage.s3.bucket', says: 'a required field' },
  { what: 'S3 credentials with only one key', file: `${BASE}loki:\n  storage:\n    s3: { endpoint: s3.amazonaws.com, bucket: logs-bucket, credentials: { accessKeyId: { name: store, key: id } } }\n`, path: 'loki.storage.s3.credentials.secretAccessKey', says: 'a required field' },
  { what: 'an S3 bucket with capitals', file: `${BASE}loki:\n  storage:\n${S3('Logs_Bucket')}`, path: 'loki.storage.s3.bucket', says: 'an S3 bucket name' },
  { what: 'a literal access key instead of a Secret reference', file: `${BASE}loki:\n  storage:\n${S3('logs-bucket').replace('accessKeyId: { name: store, key: id }', 'accessKeyId: AKIAIOSFODNN7EXAMPLE')}`, path: 'loki.storage.s3.credentials.accessKeyId', says: 'the value (not shown: it may be a credential) is invalid' },
  { what: 'a Secret reference without key', file: `${BASE}loki:\n  storage:\n${S3('logs-bucket').replace('secretAccessKey: { name: store, key: secret }', 'secretAccessKey: { name: store }')}`, path: 'loki.storage.s3.credentials.secretAccessKey.key', says: 'a required field' },
  { what: 'an S3 region with capitals', file: `${BASE}loki:\n  storage:\n${S3('logs-bucket')}      region: EU-West-1\n`, path: 'loki.storage.s3.region', says: 'a region name' },
  { what: 'insecure as "yes"', file: `${BASE}loki:\n  storage:\n${S3('logs-bucket')}      insecure: "yes"\n`, path: 'loki.storage.s3.insecure', says: 'true or false' },
  { what: 'a CPU request in words', file: `${BASE}loki: { resources: { requests: { cpu: two } } }\n`, path: 'loki.resources.requests.cpu', says: 'a Kubernetes quantity' },
  { what: 'a memory limit in GB (Prometheus units)', file: `${BASE}loki: { resources: { limits: { memory: 1GB } } }\n`, path: 'loki.resources.limits.memory', says: '"1GB"' },
  { what: 'a zero memory limit', file: `${BASE}loki: { resources: { limits: { memory: "0" } } }\n`, path: 'loki.resources.limits.memory', says: 'greater than zero' },
  { what: 'a memory request above the default limit', file: `${BASE}loki: { resources: { requests: { memory: 4Gi } } }\n`, path: 'loki.resources.limits.memory', says: 'a memory limit at least the request (4Gi)' },
  { what: 'a CPU limit below the request', file: `${BASE}loki: { resources: { requests: { cpu: "2" }, limits: { cpu: 500m } } }\n`, path: 'loki.resources.limits.cpu', says: 'at least the request (2)' },
  { what: 'resources in the wrong place', file: `${BASE}loki: { resources: { cpu: 1 } }\n`, path: 'loki.resources.cpu', says: 'known fields here: requests, limits' },

  // --- Tempo ------------------------------------------------------------------------------
  { what: 'tempo retention below 5m', file: `${BASE}tempo: { retention: 1m }\n`, path: 'tempo.retention', says: 'at least "5m"' },
  { what: 'tempo retention in Go-only syntax', file: `${BASE}tempo: { retention: 1.5h }\n`, path: 'tempo.retention', says: '"1.5h"' },
  { what: 'tempo retention zero', file: `${BASE}tempo: { retention: 0s }\n`, path: 'tempo.retention', says: '"0s"' },
  { what: 'tempo traceqlMetrics as a string', file: `${BASE}tempo: { traceqlMetrics: "off" }\n`, path: 'tempo.traceqlMetrics', says: 'true or false' },
  { what: 'a tempo log level "verbose"', file: `${BASE}tempo: { logLevel: verbose }\n`, path: 'tempo.logLevel', says: 'one of "debug", "info", "warn", "error"' },
  { what: 'a misspelt tempo field', file: `${BASE}tempo: { retenton: 72h }\n`, path: 'tempo.retenton', says: 'did you mean "retention"?' },
  { what: 'the same bucket for Loki and Tempo', file: `${BASE}loki:\n  storage:\n${S3('shared-bucket')}tempo:\n  storage:\n${S3('shared-bucket')}`, path: 'tempo.storage.s3.bucket', says: 'a bucket other than loki.storage.s3.bucket' },

  // --- Prometheus -------------------------------------------------------------------------
  { what: 'a prometheus retention size larger than the volume', file: `${BASE}prometheus: { retention: { size: 200GB }, storage: { volume: { size: 100Gi } } }\n`, path: 'prometheus.retention.size', says: 'a size smaller than the volume' },
  { what: 'a default size retention that no longer fits (tiny volume)', file: 'layout: single-node\nclusterName: c1\nprometheus: { storage: { volume: { size: 1Gi } } }\n', path: 'prometheus.retention.size', says: '"1500MB" is invalid; allowed: a size smaller than the volume' },
  { what: 'a retention size in Gi', file: `${BASE}prometheus: { retention: { size: 10Gi } }\n`, path: 'prometheus.retention.size', says: 'B, KB, MB, GB' },
  { what: 'a retention size of zero', file: `${BASE}prometheus: { retention: { size: 0GB } }\n`, path: 'prometheus.retention.size', says: 'greater than zero' },
  { what: 'a retention time beyond 292 years', file: `${BASE}prometheus: { retention: { time: 300y } }\n`, path: 'prometheus.retention.time', says: 'at most about 292y' },
  { what: 'a retention time "2 weeks"', file: `${BASE}prometheus: { retention: { time: 2 weeks } }\n`, path: 'prometheus.retention.time', says: '"2 weeks"' },
  { what: 'a scrape interval without unit', file: `${BASE}prometheus: { scrapeInterval: 30 }\n`, path: 'prometheus.scrapeInterval', says: '30 is invalid' },
  { what: 'a zero scrape interval', file: `${BASE}prometheus: { scrapeInterval: 0s }\n`, path: 'prometheus.scrapeInterval', says: 'greater than zero' },
  { what: 'an external label with a dot', file: `${BASE}prometheus: { externalLabels: { k8s.cluster: prod } }\n`, path: 'prometheus.externalLabels["k8s.cluster"]', says: 'a key that is a label name' },
  { what: 'a reserved external label', file: `${BASE}prometheus: { externalLabels: { __name__: x } }\n`, path: 'prometheus.externalLabels.__name__', says: 'does not start with "__"' },
  { what: 'an external label value that is a number', file: `${BASE}prometheus: { externalLabels: { region: 1 } }\n`, path: 'prometheus.externalLabels.region', says: '1 is invalid' },
  { what: 'an unknown OTLP translation strategy', file: `${BASE}prometheus: { otlp: { translationStrategy: Dots } }\n`, path: 'prometheus.otlp.translationStrategy', says: 'UnderscoreEscapingWithSuffixes' },
  { what: 'negative max exemplars', file: `${BASE}prometheus: { maxExemplars: -1 }\n`, path: 'prometheus.maxExemplars', says: 'an integer from 0 to 100000000' },
  { what: 'prometheus volume at the old place', file: `${BASE}prometheus: { volume: { size: 50Gi } }\n`, path: 'prometheus.volume', says: 'unknown field' },

  // --- Grafana ----------------------------------------------------------------------------
  { what: 'the construct field name adminCredentials', file: `${BASE}grafana: { adminCredentials: { secretName: grafana-admin } }\n`, path: 'grafana.adminCredentials', says: 'known fields here: enabled, adminSecret' },
  { what: 'an admin Secret key with a space', file: `${BASE}grafana: { adminSecret: { name: grafana-admin, userKey: admin user } }\n`, path: 'grafana.adminSecret.userKey', says: 'the value (not shown: it may be a credential)' },
  { what: 'the admin password written in place of the Secret', file: `${BASE}grafana: { adminSecret: s3cr3t-Passw0rd }\n`, path: 'grafana.adminSecret', says: 'the value (not shown: it may be a credential)' },
  { what: 'the same key for user and password', file: `${BASE}grafana: { adminSecret: { name: grafana-admin, userKey: login, passwordKey: login } }\n`, path: 'grafana.adminSecret.passwordKey', says: 'a key other than userKey' },
  { what: 'two Grafana replicas', file: `${BASE}grafana: { replicas: 2 }\n`, path: 'grafana.replicas', says: '0 or 1' },
  { what: 'a root URL without scheme', file: `${BASE}grafana: { rootUrl: grafana.example.com }\n`, path: 'grafana.rootUrl', says: 'an http:// or https:// URL' },

  // --- collectors, agents, gateway policies -----------------------------------------------
  { what: 'zero collector replicas', file: `${BASE}collectors: { replicas: 0 }\n`, path: 'collectors.replicas', says: 'an integer from 1 to 50' },
  { what: 'negative collector replicas', file: `${BASE}collectors: { replicas: -2 }\n`, path: 'collectors.replicas', says: '-2 is invalid' },
  { what: '51 collector replicas', file: `${BASE}collectors: { replicas: 51 }\n`, path: 'collectors.replicas', says: 'an integer from 1 to 50' },
  { what: 'fractional collector replicas', file: `${BASE}collectors: { replicas: 1.5 }\n`, path: 'collectors.replicas', says: '1.5 is invalid' },
  { what: 'replicas in DaemonSet mode', file: `${BASE}collectors: { mode: DaemonSet, replicas: 3 }\n`, path: 'collectors.replicas', says: 'unset in DaemonSet mode' },
  { what: 'a collector mode StatefulSet', file: `${BASE}collectors: { mode: StatefulSet }\n`, path: 'collectors.mode', says: 'one of "Deployment", "DaemonSet"' },
  { what: 'pull export from DaemonSets', file: `${BASE}collectors: { mode: DaemonSet, metricsExport: pull }\n`, path: 'collectors.metricsExport', says: '"push" in DaemonSet mode' },
  { what: 'collector memory requests above the default limit', file: `${BASE}collectors: { resources: { requests: { memory: 2Gi } } }\n`, path: 'collectors.resources.limits.memory', says: 'at least the request (2Gi)' },
  { what: 'single-node with 2 collector replicas', file: 'layout: single-node\nclusterName: c1\ncollectors: { replicas: 2 }\n', path: 'collectors.replicas', says: '1 with layout "single-node"' },
  { what: 'single-node with an object store', file: `layout: single-node\nclusterName: c1\nloki:\n  storage:\n${S3('logs-bucket')}`, path: 'loki.storage.s3', says: 'no object store with layout "single-node"' },
  { what: 'an allowlisted metric with a quote', file: `${BASE}agents: { metricAllowlist: [up, 'bad"name'] }\n`, path: 'agents.metricAllowlist[1]', says: 'an OpenTelemetry or Prometheus metric name' },
  { what: 'an empty metric allowlist', file: `${BASE}agents: { metricAllowlist: [] }\n`, path: 'agents.metricAllowlist', says: 'at least 1 entry' },
  { what: 'a duplicate allowlisted metric', file: `${BASE}agents: { metricAllowlist: [up, up] }\n`, path: 'agents.metricAllowlist[1]', says: 'each entry at most once' },
  { what: 'a metric allowlist too long for a ConfigMap', file: `${BASE}agents: { metricAllowlist: [${Array.from({ length: 2001 }, (_, i) => `${'m'.repeat(200)}${i}`).join(', ')}] }\n`, path: 'agents.metricAllowlist', says: 'at most 2000 entries' },
  { what: 'a Gateway without namespace', file: `${BASE}gatewayPolicies: { gateways: [{ name: http }] }\n`, path: 'gatewayPolicies.gateways[0].namespace', says: 'a required field' },
  { what: 'a Gateway listed twice', file: `${BASE}gatewayPolicies: { gateways: [{ name: http, namespace: gw }, { name: http, namespace: gw }] }\n`, path: 'gatewayPolicies.gateways[1]', says: 'each Gateway listed once' },
  { what: 'a Gateway name with a dot', file: `${BASE}gatewayPolicies: { gateways: [{ name: http.public, namespace: gw }] }\n`, path: 'gatewayPolicies.gateways[0].name', says: 'a Gateway name' },
  { what: 'sampling above 100 percent', file: `${BASE}gatewayPolicies: { samplingPercent: 150, gateways: [{ name: http, namespace: gw }] }\n`, path: 'gatewayPolicies.samplingPercent', says: 'a whole percentage from 0 to 100' },
  { what: 'sampling as a fraction', file: `${BASE}gatewayPolicies: { samplingPercent: 0.1, gateways: [{ name: http, namespace: gw }] }\n`, path: 'gatewayPolicies.samplingPercent', says: '0.1 is invalid' },
  { what: 'an unknown policy API', file: `${BASE}gatewayPolicies: { api: TrafficPolicy, gateways: [] }\n`, path: 'gatewayPolicies.api', says: 'one of "HTTPListenerPolicy", "ListenerPolicy"' },
  { what: 'gateways as a map', file: `${BASE}gatewayPolicies: { gateways: { http: gw } }\n`, path: 'gatewayPolicies.gateways', says: 'a list of Gateways' },

  // --- layouts, clusters and the gateway --------------------------------------------------
  { what: 'multi-cluster without clusters', file: 'layout: multi-cluster\n', path: 'multiCluster', says: 'required for layout "multi-cluster"' },
  { what: 'multiCluster with layout per-cluster', file: `${BASE}multiCluster: { management: { name: m } }\n`, path: 'multiCluster', says: 'only with layout "multi-cluster"' },
  { what: 'clusterName with multi-cluster', file: `${MC()}clusterName: c1\n`, path: 'clusterName', says: 'not set with layout "multi-cluster"' },
  { what: 'top-level gatewayPolicies with multi-cluster', file: `${MC()}gatewayPolicies: { gateways: [{ name: http, namespace: gw }] }\n`, path: 'gatewayPolicies', says: 'set it per cluster under multiCluster' },
  { what: 'Loki disabled in a fleet', file: `${MC()}loki: { enabled: false }\n`, path: 'loki.enabled', says: 'the telemetry gateway fans out to Loki, Tempo and Prometheus' },
  { what: 'a workload cluster named like the management cluster', file: MC(undefined, '[{ name: mgmt, gatewayTokenSecret: { name: gw-auth, key: token } }]'), path: 'multiCluster.workloadClusters[0].name', says: 'not already used by multiCluster.management.name' },
  { what: 'two workload clusters with one name', file: MC(undefined, '[{ name: w1, gatewayTokenSecret: { name: a, key: t } }, { name: w1, gatewayTokenSecret: { name: a, key: t } }]'), path: 'multiCluster.workloadClusters[1].name', says: 'not already used by multiCluster.workloadClusters[0].name' },
  { what: 'no workload clusters', file: MC(undefined, '[]'), path: 'multiCluster.workloadClusters', says: 'at least 1 entry' },
  { what: 'a workload cluster without token Secret', file: MC(undefined, '[{ name: w1 }]'), path: 'multiCluster.workloadClusters[0].gatewayTokenSecret', says: 'a required field' },
  { what: 'a gateway host given as a URL', file: MC('externalHost: "https://otlp.example.com", tlsSecret: gw-tls, authTokenSecret: { name: gw-auth, key: token }'), path: 'multiCluster.management.telemetryGateway.externalHost', says: 'without scheme, port or path' },
  { what: 'a gateway host with a port', file: MC('externalHost: "otlp.example.com:4317", tlsSecret: gw-tls, authTokenSecret: { name: gw-auth, key: token }'), path: 'multiCluster.management.telemetryGateway.externalHost', says: '"otlp.example.com:4317"' },
  { what: 'a gateway port out of range', file: MC('externalHost: otlp.example.com, port: 70000, tlsSecret: gw-tls, authTokenSecret: { name: gw-auth, key: token }'), path: 'multiCluster.management.telemetryGateway.port', says: 'an integer port from 1 to 65535' },
  { what: 'gateway port zero', file: MC('externalHost: otlp.example.com, port: 0, tlsSecret: gw-tls, authTokenSecret: { name: gw-auth, key: token }'), path: 'multiCluster.management.telemetryGateway.port', says: '0 is invalid' },
  { what: 'a gateway without TLS Secret', file: MC('externalHost: otlp.example.com, authTokenSecret: { name: gw-auth, key: token }'), path: 'multiCluster.management.telemetryGateway.tlsSecret', says: 'a required field' },
  { what: 'a gateway without its token Secret', file: MC('externalHost: otlp.example.com, tlsSecret: gw-tls'), path: 'multiCluster.management.telemetryGateway.authTokenSecret', says: 'a required field' },
  { what: 'a ClusterIP gateway without external host', file: MC('serviceType: ClusterIP, tlsSecret: gw-tls, authTokenSecret: { name: gw-auth, key: token }'), path: 'multiCluster.management.telemetryGateway.serviceType', says: 'a ClusterIP Service has no address' },
  { what: 'a LoadBalancer gateway without external host (cdk8s)', file: MC('tlsSecret: gw-tls, authTokenSecret: { name: gw-auth, key: token }'), path: 'multiCluster.management.telemetryGateway.externalHost', says: 'required for cdk8s output' },
  { what: 'an unknown gateway service type', file: MC('externalHost: otlp.example.com, serviceType: Ingress, tlsSecret: gw-tls, authTokenSecret: { name: gw-auth, key: token }'), path: 'multiCluster.management.telemetryGateway.serviceType', says: 'one of "LoadBalancer", "NodePort", "ClusterIP"' },
  { what: 'zero gateway replicas', file: MC('externalHost: otlp.example.com, replicas: 0, tlsSecret: gw-tls, authTokenSecret: { name: gw-auth, key: token }'), path: 'multiCluster.management.telemetryGateway.replicas', says: 'an integer from 1 to 50' },
  { what: 'pull export in a workload cluster', file: MC(undefined, '[{ name: w1, gatewayTokenSecret: { name: a, key: t }, collectors: { metricsExport: pull } }]'), path: 'multiCluster.workloadClusters[0].collectors.metricsExport', says: 'export to the telemetry gateway' },
  { what: 'a workload cluster Gateway listed twice', file: MC(undefined, '[{ name: w1, gatewayTokenSecret: { name: a, key: t }, gatewayPolicies: { gateways: [{ name: h, namespace: g }, { name: h, namespace: g }] } }]'), path: 'multiCluster.workloadClusters[0].gatewayPolicies.gateways[1]', says: 'each Gateway listed once' },
  { what: 'a misspelt workload cluster field', file: MC(undefined, '[{ name: w1, gatewayTokenSecret: { name: a, key: t }, collector: { replicas: 2 } }]'), path: 'multiCluster.workloadClusters[0].collector', says: 'did you mean "collectors"?' },
];

/** 2^10 expansions of a 10-level alias chain. */
function aliasBomb(): string {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
  return `${lines.join('\n')}\nlayout: per-cluster\n`;
}

describe('catalog of bad config files through the CLI', () => {
  let dir: string;
  let stderr: jest.SpyInstance;
  let stdout: jest.SpyInstance;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lgtm-catalog-'));
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    stderr.mockRestore();
    stdout.mockRestore();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('GIVEN the catalog WHEN counted THEN it holds at least 100 distinct mistakes', () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
    expect(new Set(cases.map((c) => c.what)).size).toBe(cases.length);
  });

  test.each(cases.map((c) => [c.what, c] as const))('GIVEN a config file with %s WHEN synthesized THEN it exits 1 naming file, path, value and allowed, and writes nothing', (_what, c) => {
    const file = path.join(dir, c.name === '(missing)' ? 'missing.yaml' : c.name ?? 'bad.yaml');
    if (c.name !== '(missing)') fs.writeFileSync(file, c.file);
    const out = path.join(dir, 'dist');

    const code = main({ LGTM_CONFIG: file, CDK8S_OUTDIR: out });

    const err = stderr.mock.calls.map((x) => String(x[0])).join('');
    expect(code).toBe(1);
    expect(err).toContain(`Invalid configuration in ${file}:\n`);
    const line = err.split('\n').find((l) => l.startsWith(`  - ${c.path}: `));
    expect({ path: c.path, line }).toEqual({ path: c.path, line: expect.stringContaining('') });
    if (typeof c.says === 'string') expect(line).toContain(c.says);
    else expect(line).toMatch(c.says);
    if (c.path !== '(file)') expect(line).toMatch(/ is invalid; allowed: |: unknown field; allowed: /);
    expect(err).toContain('Nothing was written.');
    // Never a stack trace or a construct path (charts are named <layout>-<name>, children by id).
    expect(err).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(err).not.toMatch(/(per-cluster|single-node|multi-cluster)-[a-z0-9-]+\/(backends|collection|namespace)/);
    expect(err).not.toMatch(/adminCredentials\.|logsCollector\.|tracesCollector\.|metricsCollector\.|nodeAgent\.|telemetryGateway\.(tls|auth)\./);
    expect(fs.existsSync(out)).toBe(false);
    expect(stdout).not.toHaveBeenCalled();
  });

  test('GIVEN a file with several mistakes WHEN synthesized THEN all are reported together', () => {
    const file = path.join(dir, 'many.yaml');
    fs.writeFileSync(file, 'layout: per-cluster\nnamespace: kube-system\nloki: { retention: 1h, tenant: "a|b" }\ntempo: { retenshun: 1d }\ncollectors: { replicas: 99 }\n');
    expect(main({ LGTM_CONFIG: file, CDK8S_OUTDIR: path.join(dir, 'dist') })).toBe(1);
    const err = stderr.mock.calls.map((x) => String(x[0])).join('');
    for (const p of ['namespace', 'clusterName', 'loki.retention', 'loki.tenant', 'tempo.retenshun', 'collectors.replicas']) expect(err).toContain(`  - ${p}: `);
  });

  test('GIVEN two bad files WHEN synthesized together THEN both are reported, each under its own name', () => {
    const a = path.join(dir, 'a.yaml');
    const b = path.join(dir, 'b.yaml');
    fs.writeFileSync(a, 'layout: per-cluster\n');
    fs.writeFileSync(b, 'layout: galaxy\n');
    expect(main({ LGTM_CONFIG: `${a},${b}`, CDK8S_OUTDIR: path.join(dir, 'dist') })).toBe(1);
    const err = stderr.mock.calls.map((x) => String(x[0])).join('');
    expect(err).toContain(`Invalid configuration in ${a}:\n  - clusterName: `);
    expect(err).toContain(`Invalid configuration in ${b}:\n  - layout: "galaxy"`);
  });

  test('GIVEN LGTM_CONFIG naming no file WHEN synthesized THEN it exits 1 and leaves the output alone', () => {
    const out = path.join(dir, 'dist');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'per-cluster-old.k8s.yaml'), 'old');
    expect(main({ LGTM_CONFIG: ' , ', CDK8S_OUTDIR: out })).toBe(1);
    expect(stderr.mock.calls.map((x) => String(x[0])).join('')).toContain('Invalid configuration in the environment:\n  - LGTM_CONFIG: " , " is invalid; allowed: one or more config file paths');
    expect(fs.readdirSync(out)).toEqual(['per-cluster-old.k8s.yaml']);
  });

  test('GIVEN a very long bad value WHEN reported THEN the echo is cut', () => {
    const file = path.join(dir, 'long.yaml');
    fs.writeFileSync(file, `${BASE}loki: { tenant: "${'x|'.repeat(500)}" }\n`);
    expect(main({ LGTM_CONFIG: file, CDK8S_OUTDIR: path.join(dir, 'dist') })).toBe(1);
    const line = stderr.mock.calls.map((x) => String(x[0])).join('').split('\n').find((l) => l.startsWith('  - loki.tenant: '))!;
    expect(line).toMatch(/^ {2}- loki\.tenant: "(x\|){29}x… \(1002 characters\) is invalid/);
  });
});

describe('generated bad config files through the CLI', () => {
  /** A small deterministic PRNG, so a failure reproduces. */
  function prng(seed: number) {
    let s = seed;
    return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  }
  const POOL: unknown[] = [null, true, false, 0, -1, 1, 1.5, 1e308, '', ' ', 'x', '0s', '300y', '24h', '1Gi', '0', 'kube-system', 'https://a', [], {}, [null], { a: 1 }, 'a'.repeat(300), [1, 2, 3]];
  const KEYS = ['extra', 'typo', '__proto__', 'constructor', 'toString'];
  const EXAMPLES = ['single-node', 'per-cluster', 'multi-cluster'].map((f) => parseYaml(fs.readFileSync(path.resolve(__dirname, '..', 'examples', `${f}.yaml`), 'utf8')));

  function leaves(o: unknown, p: (string | number)[] = []): (string | number)[][] {
    if (o === null || typeof o !== 'object') return [p];
    return [p, ...Object.keys(o).flatMap((k) => leaves((o as any)[k], [...p, Array.isArray(o) ? Number(k) : k]))];
  }

  /** Each example with 1-3 random mutations: a value replaced, a field removed, or an unknown field added. */
  function mutants(n: number): string[] {
    const rnd = prng(20261129);
    const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)];
    return Array.from({ length: n }, () => {
      const c = structuredClone(pick(EXAMPLES));
      for (let m = 0; m < 1 + Math.floor(rnd() * 3); m++) {
        const p = pick(leaves(c).filter((x) => x.length > 0));
        let cur: any = c;
        for (const k of p.slice(0, -1)) cur = cur[k];
        const r = rnd();
        if (r < 0.6) cur[p[p.length - 1]] = structuredClone(pick(POOL));
        else if (r < 0.8) delete cur[p[p.length - 1]];
        else if (!Array.isArray(cur)) cur[pick(KEYS)] = structuredClone(pick(POOL));
      }
      return stringifyYaml(c);
    });
  }

  let dir: string;
  let stderr: jest.SpyInstance;
  let stdout: jest.SpyInstance;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lgtm-mutants-'));
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterAll(() => {
    stderr.mockRestore();
    stdout.mockRestore();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('GIVEN 150 mutated example configs WHEN synthesized THEN each builds or is refused with a config message, never an internal error or a stack trace', () => {
    const outcomes = { built: 0, refused: 0 };
    mutants(150).forEach((text, i) => {
      const file = path.join(dir, `m${i}.yaml`);
      fs.writeFileSync(file, text);
      stderr.mockClear();
      const code = main({ LGTM_CONFIG: file, CDK8S_OUTDIR: path.join(dir, `out${i}`) });
      const err = stderr.mock.calls.map((x) => String(x[0])).join('');
      expect({ i, code: code === 0 || code === 1, trace: /\n\s+at .+:\d+:\d+/.test(err) }).toEqual({ i, code: true, trace: false });
      if (code === 1) expect(err.startsWith(`Invalid configuration in ${file}:\n  - `)).toBe(true);
      outcomes[code === 0 ? 'built' : 'refused']++;
    });
    // The mutations are realistic enough that both outcomes occur.
    expect(outcomes.built).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(100);
  });
});
