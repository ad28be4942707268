// Decoding checks against the kinds' OpenAPI schemas, as kube-apiserver's typed decoder does:
// a value of the wrong JSON type is a 400; unknown or duplicate fields follow the
// fieldValidation query parameter (Strict: 400, Warn: a Warning header, Ignore: nothing).
import { errors } from '../../machinery/errors';
import type { ResourceDef } from '../../machinery/resource';
import { isObject, type KObject } from '../../machinery/types';
import { goJsonKind } from '../../machinery/patch/json-util';
import { loadModels, type Models, type Schema, schemaFor } from '../openapi/models';
import type { RequestContext } from './context';

type Mode = 'Strict' | 'Warn' | 'Ignore';

interface Findings {
  unknown: string[];
  typeError?: string;
}

const quantityName = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const timeNames = new Set(['io.k8s.apimachinery.pkg.apis.meta.v1.Time', 'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime']);

function goType(s: Schema): string {
  const t = s.type;
  if (t === 'array') return '[]';
  if (t === 'integer') return s.format === 'int64' ? 'int64' : 'int32';
  if (t === 'number') return 'float64';
  if (t === 'boolean') return 'bool';
  if (t === 'string') return 'string';
  return 'object';
}

/** What encoding/json leaves where JSON says null: the Go zero value of the target type. */
function zeroOf(models: Models, schema: Schema): unknown {
  const ref = typeof schema.$ref === 'string' ? schema.$ref.replace('#/definitions/', '') : undefined;
  if (ref === quantityName) return '0';
  const s = ref !== undefined ? (models.schemas[ref] ?? {}) : schema;
  if (s.format === 'int-or-string') return 0;
  switch (s.type) {
    case 'string':
      return '';
    case 'integer':
    case 'number':
      return 0;
    case 'boolean':
      return false;
    case 'array':
      return [];
    default:
      return {};
  }
}

/** Go names the struct that holds the field: DeploymentSpec.spec.replicas. */
const goStruct = (schemaName: string): string => schemaName.slice(schemaName.lastIndexOf('.') + 1);

function walk(models: Models, value: unknown, schema: Schema | undefined, path: string, f: Findings, depth: number, holder: string): void {
  if (!schema || depth > 100 || f.typeError) return;
  let s = schema;
  // encoding/json names fields without list indices or map keys.
  const goPath = path.replace(/\[[^\]]*\]/g, '');
  const field = holder ? `${holder}.${goPath}` : goPath;
  let structName = holder;
  const ref = typeof s.$ref === 'string' ? s.$ref.replace('#/definitions/', '') : undefined;
  if (ref !== undefined) {
    if (ref === quantityName) {
      if (value !== null && typeof value !== 'string' && typeof value !== 'number') f.typeError = `cannot unmarshal ${goJsonKind(value)} into Go struct field ${field} of type resource.Quantity`;
      return;
    }
    if (timeNames.has(ref)) return;
    s = models.schemas[ref] ?? {};
    structName = goStruct(ref);
  }
  if (value === null || s['x-kubernetes-preserve-unknown-fields'] === true) return;
  if (s.format === 'int-or-string') {
    if (typeof value !== 'string' && typeof value !== 'number') f.typeError = `cannot unmarshal ${goJsonKind(value)} into Go struct field ${field} of type intstr.IntOrString`;
    return;
  }
  const props = isObject(s.properties) ? (s.properties as Record<string, Schema>) : undefined;
  const extra = isObject(s.additionalProperties) ? (s.additionalProperties) : undefined;
  const type = s.type ?? (props || extra ? 'object' : undefined);
  const mismatch = (want: string) => {
    f.typeError = `cannot unmarshal ${goJsonKind(value)} into Go struct field ${field} of type ${want}`;
  };
  switch (type) {
    case 'object':
      if (!isObject(value)) return mismatch(goType(s));
      for (const [k, v] of Object.entries(value)) {
        const child = `${path}.${k}`;
        // Decode as Go does: a null field is absent, a null map value is the zero value.
        if (v === null && props?.[k]) {
          delete value[k];
          continue;
        }
        if (v === null && extra) {
          value[k] = zeroOf(models, extra);
          continue;
        }
        if (props?.[k]) walk(models, v, props[k], child, f, depth + 1, structName);
        else if (extra) walk(models, v, extra, child, f, depth + 1, structName);
        else if (props) f.unknown.push(child);
      }
      return;
    case 'array':
      if (!Array.isArray(value)) return mismatch(`[]${goType((s.items as Schema | undefined) ?? {})}`);
      value.forEach((v, i) => {
        if (v === null && s.items) value[i] = zeroOf(models, s.items as Schema);
        else walk(models, v, s.items as Schema | undefined, `${path}[${i}]`, f, depth + 1, structName);
      });
      return;
    case 'string':
      if (typeof value !== 'string') mismatch('string');
      return;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) mismatch(goType(s));
      return;
    case 'number':
      if (typeof value !== 'number') mismatch('float64');
      return;
    case 'boolean':
      if (typeof value !== 'boolean') mismatch('bool');
      return;
  }
}

/**
 * Unknown-field paths and the first type error of `obj` as the kind `def` in `version`. Also
 * rewrites nulls in place the way Go's decoder would, so later code never meets a null where the
 * type has none.
 */
export function inspectObject(def: ResourceDef, version: string, obj: KObject): Findings {
  const f: Findings = { unknown: [] };
  let models: Models;
  try {
    models = loadModels();
  } catch {
    return f; // Unbuilt checkout: nothing to check against (the OpenAPI endpoint says how to fix it).
  }
  const name = schemaFor(models, { group: def.group, version, kind: def.kind });
  const root = models.schemas[name];
  if (!root) return f;
  const top = isObject(root.properties) ? (root.properties as Record<string, Schema>) : {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind') continue;
    if (v === null && top[k]) {
      if (k === 'metadata') obj.metadata = {};
      else delete obj[k];
      continue;
    }
    if (top[k]) walk(models, v, top[k], k, f, 0, def.kind);
    else f.unknown.push(k);
  }
  return f;
}

function mode(q: URLSearchParams): Mode {
  const v = q.get('fieldValidation');
  if (v === null || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw errors.badRequest(`fieldValidation: Unsupported value: "${v}": supported values: "Ignore", "Strict", "Warn"`);
}

export function checkFields(rc: RequestContext, obj: KObject): void {
  const m = mode(rc.url.searchParams);
  const { def, info } = rc;
  const f = inspectObject(def, info.version, obj);
  if (f.typeError) {
    throw errors.badRequest(`${def.kind} in version "${info.version}" cannot be handled as a ${def.kind}: json: ${f.typeError}`);
  }
  if (f.unknown.length === 0 || m === 'Ignore') return;
  const msgs = f.unknown.map((p) => `unknown field "${p}"`);
  if (m === 'Strict') {
    throw errors.badRequest(`${def.kind} in version "${info.version}" cannot be handled as a ${def.kind}: strict decoding error: ${msgs.join(', ')}`);
  }
  addWarnings(rc, msgs);
}

/** Appends `Warning: 299 - "..."` headers (kubectl prints each as "Warning: ..."). */
export function addWarnings(rc: RequestContext, msgs: readonly string[]): void {
  if (msgs.length === 0) return;
  const have = rc.res.getHeader('Warning');
  const prev = Array.isArray(have) ? have : have === undefined ? [] : [String(have)];
  // UTF-8 bytes carried as latin1 (Node's header encoding), as kube-apiserver sends them; a
  // retried patch repeats its checks, so each warning is sent once.
  const next = msgs.map((x) => Buffer.from(`299 - ${JSON.stringify(x)}`, 'utf8').toString('latin1'));
  rc.res.setHeader('Warning', [...new Set([...prev, ...next])]);
}
