/**
 * Validates custom resources against the OpenAPI v3 schemas of their real
 * CRDs (the upstream files in ../shared/crds), the way an API server with
 * `kubectl --validate=strict` would:
 *
 * - unknown fields are rejected: every object schema that lists `properties`
 *   gets `additionalProperties: false` unless it preserves unknown fields;
 * - `apiVersion` and `kind` must name a served version of the CRD; `metadata`
 *   accepts name, namespace, labels and annotations (what this package renders);
 * - schema `default`s are applied before the `x-kubernetes-validations` (CEL)
 *   rules run, as in the API server;
 * - CEL rules are checked through hand-written JavaScript equivalents (table
 *   below). A rule without an equivalent that applies to a present value is
 *   reported as an error, so a test never passes because a rule was skipped;
 * - `x-kubernetes-list-type: set|map` uniqueness and the integer/date/CIDR
 *   `format`s are checked; `x-kubernetes-int-or-string` is handled by the CRD's
 *   own `anyOf`.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { AnySchemaObject, ErrorObject, ValidateFunction } from 'ajv';
import { parse } from 'yaml';

/** Where the upstream CRDs live (a sibling of the repository). */
export const CRD_DIR = path.resolve(__dirname, '../../../shared/crds');

/** Whether the CRD directory exists; tests that need it skip otherwise. */
export function crdsAvailable(): boolean {
  return fs.existsSync(CRD_DIR);
}

/** `describe` when the CRDs are present, else `describe.skip` with a warning saying why. */
export function describeWithCrds(what: string): jest.Describe {
  if (crdsAvailable()) return describe;
  // eslint-disable-next-line no-console
  console.warn(`${what}: skipped, the CRD directory ${CRD_DIR} is absent (CRD schema tests need the upstream CRDs there)`);
  return describe.skip;
}

type Json = any;

/** Hand-written equivalents of the CEL rules the CRDs use. `self` is the value the rule sits on. */
const CEL: Record<string, (self: Json) => boolean> = {
  "self.all(r, r.kind == 'Gateway' && (!has(r.group) || r.group == 'gateway.networking.k8s.io'))": (self) =>
    self.every((r: Json) => r.kind === 'Gateway' && (!('group' in r) || r.group === 'gateway.networking.k8s.io')),
  "(size(self.group) == 0 && self.kind == 'Service') ? has(self.port) : true": (self) =>
    self.group.length === 0 && self.kind === 'Service' ? 'port' in self : true,
  '!has(self.xffTrustedCIDRs) || (has(self.useRemoteAddress) && !self.useRemoteAddress)': (self) =>
    !('xffTrustedCIDRs' in self) || ('useRemoteAddress' in self && !self.useRemoteAddress),
  '!has(self.xffNumTrustedHops) || !has(self.xffTrustedCIDRs)': (self) => !('xffNumTrustedHops' in self) || !('xffTrustedCIDRs' in self),
  "!has(self.forwardClientCertDetails) || !has(self.forwardClientCertDetails.details) || !has(self.forwardClientCertDetails.mode) || self.forwardClientCertDetails.mode == 'AppendForward' || self.forwardClientCertDetails.mode == 'SanitizeSet'":
    (self) => {
      const f = self.forwardClientCertDetails;
      return f === undefined || !('details' in f) || !('mode' in f) || f.mode === 'AppendForward' || f.mode === 'SanitizeSet';
    },
};

/** `matches(self, '<re>')` rules are translated generically (RE2 and JS agree on the CRDs' simple patterns). */
function celFunction(rule: string): ((self: Json) => boolean) | undefined {
  const fixed = CEL[rule];
  if (fixed) return fixed;
  const m = /^matches\(self, '([^']*)'\)$/.exec(rule);
  if (m) {
    const re = new RegExp(m[1]);
    return (self) => typeof self === 'string' && re.test(self);
  }
  return undefined;
}

const INT_RANGES: Record<string, [number, number]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

function isCidr(v: string): boolean {
  const [ip, bits, extra] = v.split('/');
  if (extra !== undefined || bits === undefined || !/^\d+$/.test(bits)) return false;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return ip.split('.').every((o) => Number(o) <= 255) && Number(bits) <= 32;
  return /^[0-9a-fA-F:]+$/.test(ip) && ip.includes(':') && Number(bits) <= 128;
}

/** A strict ObjectMeta subset: what this package puts on custom resources. */
const METADATA_SCHEMA: AnySchemaObject = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', maxLength: 253, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$' },
    namespace: { type: 'string', maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' },
    labels: { type: 'object', additionalProperties: { type: 'string', maxLength: 63 } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

/**
 * Makes a CRD structural schema strict: adds `additionalProperties: false` to
 * object schemas with `properties` (walking only the structural tree:
 * properties, items, additionalProperties) unless they preserve unknown fields.
 */
function strictify(schema: Json): Json {
  if (Array.isArray(schema) || schema === null || typeof schema !== 'object') return schema;
  const out: Json = { ...schema };
  if (out.properties) {
    out.properties = Object.fromEntries(Object.entries(out.properties).map(([k, v]) => [k, strictify(v)]));
    if (out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) out.additionalProperties = false;
  }
  if (out.items) out.items = strictify(out.items);
  if (out.additionalProperties && typeof out.additionalProperties === 'object') out.additionalProperties = strictify(out.additionalProperties);
  return out;
}

/** One served CRD version, compiled. */
interface CompiledVersion {
  readonly group: string;
  readonly kind: string;
  readonly version: string;
  readonly validate: ValidateFunction;
}

function newAjv(unchecked: string[]): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, useDefaults: true, strictTypes: false });
  for (const [name, [min, max]] of Object.entries(INT_RANGES)) {
    ajv.addFormat(name, { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= min && n <= max });
  }
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
  ajv.addFormat('cidr', isCidr);
  ajv.addFormat('ipv4', /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/);
  ajv.addFormat('ipv6', /^[0-9a-fA-F:.]+$/);
  ajv.addKeyword({ keyword: 'x-kubernetes-preserve-unknown-fields' }); // handled by strictify
  ajv.addKeyword({ keyword: 'x-kubernetes-int-or-string' }); // the CRDs carry anyOf [integer, string] next to it
  ajv.addKeyword({ keyword: 'x-kubernetes-map-type' });
  ajv.addKeyword({ keyword: 'x-kubernetes-embedded-resource' });
  ajv.addKeyword({ keyword: 'x-kubernetes-list-map-keys' }); // read by x-kubernetes-list-type
  ajv.addKeyword({
    keyword: 'x-kubernetes-list-type',
    type: 'array',
    schemaType: 'string',
    validate: function listType(this: unknown, kind: string, data: Json[], parent?: AnySchemaObject): boolean {
      const self = listType as unknown as { errors?: Partial<ErrorObject>[] };
      const keyOf = (x: Json) =>
        kind === 'set' ? JSON.stringify(x) : kind === 'map' ? JSON.stringify((parent?.['x-kubernetes-list-map-keys'] ?? []).map((k: string) => x?.[k])) : undefined;
      if (kind !== 'set' && kind !== 'map') return true;
      const seen = new Set<string>();
      for (const x of data) {
        const k = keyOf(x)!;
        if (seen.has(k)) {
          self.errors = [{ message: `duplicate ${kind === 'set' ? 'item' : 'map key'} ${k} in x-kubernetes-list-type ${kind}` }];
          return false;
        }
        seen.add(k);
      }
      return true;
    },
  });
  ajv.addKeyword({
    keyword: 'x-kubernetes-validations',
    schemaType: 'array',
    validate: function cel(this: unknown, rules: { rule: string; message?: string }[], data: Json): boolean {
      const self = cel as unknown as { errors?: Partial<ErrorObject>[] };
      const errors: Partial<ErrorObject>[] = [];
      for (const r of rules) {
        const fn = celFunction(r.rule);
        if (!fn) {
          unchecked.push(r.rule);
          errors.push({ message: `CEL rule without a JavaScript equivalent in crd-schema.ts (add one): ${r.rule}` });
          continue;
        }
        let ok = false;
        try {
          ok = fn(data);
        } catch {
          ok = false;
        }
        if (!ok) errors.push({ message: `CEL rule failed: ${r.message ?? r.rule} (${r.rule})` });
      }
      self.errors = errors;
      return errors.length === 0;
    },
  });
  return ajv;
}

/** Validates objects of the kinds defined by a set of CRD files. */
export class CrdValidator {
  private readonly versions = new Map<string, CompiledVersion>();
  /** CEL rules met on validated data that have no JavaScript equivalent. */
  public readonly uncheckedRules: string[] = [];

  /** @param files CRD file names inside {@link CRD_DIR} (or absolute paths). */
  constructor(files: readonly string[]) {
    const ajv = newAjv(this.uncheckedRules);
    for (const f of files) {
      const crd = parse(fs.readFileSync(path.resolve(CRD_DIR, f), 'utf8'));
      if (crd?.kind !== 'CustomResourceDefinition') throw new Error(`${f}: not a CustomResourceDefinition`);
      const { group, names } = crd.spec;
      for (const v of crd.spec.versions) {
        if (!v.served) continue;
        const root = strictify(v.schema.openAPIV3Schema);
        const schema = {
          ...root,
          required: [...new Set(['apiVersion', 'kind', 'metadata', ...(root.required ?? [])])],
          additionalProperties: false,
          properties: {
            ...root.properties,
            apiVersion: { const: `${group}/${v.name}` },
            kind: { const: names.kind },
            metadata: METADATA_SCHEMA,
          },
        };
        this.versions.set(`${group}/${v.name}/${names.kind}`, { group, kind: names.kind, version: v.name, validate: ajv.compile(schema) });
      }
    }
  }

  /** Whether an object's apiVersion/kind is one of the loaded CRDs' served versions. */
  public knows(obj: Json): boolean {
    return this.versions.has(`${obj?.apiVersion}/${obj?.kind}`);
  }

  /** Schema errors of one object (empty when valid). The object itself is not modified. */
  public errors(obj: Json): string[] {
    const where = `${obj?.kind}/${obj?.metadata?.namespace ?? ''}/${obj?.metadata?.name}`;
    const v = this.versions.get(`${obj?.apiVersion}/${obj?.kind}`);
    if (!v) return [`${where}: no loaded CRD serves ${obj?.apiVersion} ${obj?.kind}`];
    // Pass 1 applies schema defaults to a copy (as the API server does before
    // running CEL rules); pass 2 validates the defaulted copy.
    const copy = JSON.parse(JSON.stringify(obj));
    v.validate(copy);
    if (v.validate(copy)) return [];
    return (v.validate.errors ?? []).map((e) => {
      const extra = e.keyword === 'additionalProperties' ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"` : '';
      return `${where}: ${e.instancePath || '/'} ${e.message}${extra}`;
    });
  }

  /** Errors of every object this validator knows; others are ignored. */
  public errorsOf(objects: readonly Json[]): string[] {
    return objects.filter((o) => this.knows(o)).flatMap((o) => this.errors(o));
  }
}
