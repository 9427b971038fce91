/**
 * Validates rendered Kubernetes objects against the Kubernetes API schemas,
 * rejecting unknown fields:
 *
 * 1. kubernetes-models' validators (required fields, types, formats);
 * 2. a strict walk over the OpenAPI-derived type map of @kubernetes/client-node,
 *    which rejects any field the API does not define (kubectl's
 *    `--validate=strict` behaviour).
 *
 * Custom resources are validated by their own CRD schemas (see crd-schema.ts).
 */
import * as models from 'kubernetes-models';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const clientNode = require('@kubernetes/client-node');

type AttributeMap = { name: string; baseName: string; type: string }[];

/** Maps apiVersion/kind to the client-node model class name. */
function modelName(apiVersion: string, kind: string): string {
  const [groupOrVersion, maybeVersion] = apiVersion.split('/');
  const version = maybeVersion ?? groupOrVersion;
  return `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
}

/** The kubernetes-models class for apiVersion/kind. */
function modelClass(apiVersion: string, kind: string): any {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const mod: any = group === '' ? (models as any)[version] : (models as any)[group.split('.')[0] === group ? group : groupKey(group)]?.[version];
  return mod?.[kind];
}

function groupKey(group: string): string {
  // kubernetes-models exports e.g. `rbac.authorization.k8s.io` as `rbacAuthorizationK8sIo`? Resolve by scanning.
  const wanted = group.replace(/[.-](\w)/g, (_m, c: string) => c.toUpperCase());
  const found = Object.keys(models).find((k) => k.toLowerCase() === wanted.toLowerCase());
  return found ?? group;
}

function checkValue(value: unknown, type: string, path: string, errors: string[]): void {
  if (value === undefined || value === null) return;
  if (type.startsWith('Array<')) {
    const inner = type.slice(6, -1);
    if (!Array.isArray(value)) return void errors.push(`${path}: expected array, got ${typeof value}`);
    value.forEach((v, i) => checkValue(v, inner, `${path}[${i}]`, errors));
    return;
  }
  const mapMatch = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (mapMatch) {
    if (typeof value !== 'object' || Array.isArray(value)) return void errors.push(`${path}: expected map, got ${typeof value}`);
    for (const [k, v] of Object.entries(value as object)) checkValue(v, mapMatch[1], `${path}.${k}`, errors);
    return;
  }
  switch (type) {
    case 'string':
      if (typeof value !== 'string') errors.push(`${path}: expected string, got ${JSON.stringify(value)}`);
      return;
    case 'number':
      if (typeof value !== 'number') errors.push(`${path}: expected number, got ${JSON.stringify(value)}`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') errors.push(`${path}: expected boolean, got ${JSON.stringify(value)}`);
      return;
    case 'Date':
      if (typeof value !== 'string') errors.push(`${path}: expected date-time string`);
      return;
    case 'IntOrString':
      if (typeof value !== 'string' && typeof value !== 'number') errors.push(`${path}: expected int or string`);
      return;
    case 'object':
    case 'any':
      return;
  }
  const cls = clientNode[type];
  if (!cls || !cls.attributeTypeMap) {
    errors.push(`${path}: unknown schema type ${type}`);
    return;
  }
  if (typeof value !== 'object' || Array.isArray(value)) return void errors.push(`${path}: expected object ${type}`);
  const attrs: AttributeMap = cls.attributeTypeMap;
  const byName = new Map(attrs.map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value as object)) {
    const t = byName.get(k);
    if (t === undefined) {
      errors.push(`${path}.${k}: unknown field (not in ${type})`);
      continue;
    }
    checkValue(v, t, `${path}.${k}`, errors);
  }
}

/** Returns schema errors of one built-in Kubernetes object (empty when valid). */
export function k8sSchemaErrors(obj: any): string[] {
  const where = `${obj?.kind}/${obj?.metadata?.namespace ?? ''}/${obj?.metadata?.name}`;
  const errors: string[] = [];
  const name = modelName(obj.apiVersion, obj.kind);
  if (!clientNode[name]?.attributeTypeMap) return [`${where}: no built-in schema for ${obj.apiVersion} ${obj.kind}`];
  checkValue(obj, name, where, errors);
  const Model = modelClass(obj.apiVersion, obj.kind);
  if (!Model) {
    errors.push(`${where}: kubernetes-models has no class for ${obj.apiVersion} ${obj.kind}`);
  } else {
    try {
      new Model(obj).validate();
    } catch (e) {
      errors.push(`${where}: ${(e as Error).message}`);
    }
  }
  return errors;
}

/** True when apiVersion/kind is a built-in Kubernetes type known to the schema. */
export function isBuiltIn(obj: any): boolean {
  return Boolean(clientNode[modelName(obj.apiVersion, obj.kind)]?.attributeTypeMap);
}
