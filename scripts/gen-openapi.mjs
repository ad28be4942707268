// Build step: derives upstream-named OpenAPI schemas from @kubernetes/client-node's generated
// models (attributeTypeMap in *.js, JSDoc in *.d.ts) and writes dist/openapi-models.json.
// kubernetes-models' interfaces fill what client-node drops: descriptions of model-typed
// properties and enums (string-literal unions there, plain string in client-node).
// Done at build time so the server never parses 850 model files at start.
import { readFileSync, readdirSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const gen = join(root, 'node_modules/@kubernetes/client-node/dist/gen');
const KM_DIRS = [join(root, 'node_modules/kubernetes-models'), join(root, 'node_modules/@kubernetes-models/apimachinery')];
const out = join(root, 'dist/openapi-models.json');

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const META_TYPES = new Set(['APIGroup', 'APIGroupList', 'APIResource', 'APIResourceList', 'APIVersions',
  'Condition', 'DeleteOptions', 'FieldSelectorRequirement', 'GroupVersionForDiscovery', 'LabelSelector',
  'LabelSelectorRequirement', 'ListMeta', 'ManagedFieldsEntry', 'ObjectMeta', 'OwnerReference',
  'Preconditions', 'ServerAddressByClientCIDR', 'Status', 'StatusCause', 'StatusDetails', 'WatchEvent']);
const TIME = `${META}Time`;
const MICRO = `${META}MicroTime`;
const INTSTR = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const RAW = 'io.k8s.apimachinery.pkg.runtime.RawExtension';

// Kinds only served as subresources, so no collection POST reveals their group.
const FIXED_GV = { V1Scale: 'autoscaling/v1', V1Eviction: 'policy/v1', AuthenticationV1TokenRequest: 'authentication.k8s.io/v1' };

// client-node types Quantity as a plain string; upstream refs Quantity for these fields.
const QUANTITY_FIELDS = new Set([
  'V1ResourceRequirements.limits', 'V1ResourceRequirements.requests', 'V1VolumeResourceRequirements.limits',
  'V1VolumeResourceRequirements.requests', 'V1PersistentVolumeClaimStatus.capacity',
  'V1PersistentVolumeClaimStatus.allocatedResources', 'V1PersistentVolumeSpec.capacity', 'V1NodeStatus.capacity',
  'V1NodeStatus.allocatable', 'V1EmptyDirVolumeSource.sizeLimit', 'V1ResourceQuotaSpec.hard',
  'V1ResourceQuotaStatus.hard', 'V1ResourceQuotaStatus.used', 'V1LimitRangeItem.max', 'V1LimitRangeItem.min',
  'V1LimitRangeItem._default', 'V1LimitRangeItem.defaultRequest', 'V1LimitRangeItem.maxLimitRequestRatio',
  'V1CSIStorageCapacity.capacity', 'V1CSIStorageCapacity.maximumVolumeSize', 'V2MetricTarget.value',
  'V2MetricTarget.averageValue', 'V2MetricValueStatus.value', 'V2MetricValueStatus.averageValue',
  'V1ContainerStatus.allocatedResources', 'V1Overhead.podFixed', 'V1PodSpec.overhead',
]);

// Patch and list metadata client-node drops; upstream carries it on these common lists.
const mapList = (keys, patchKey = keys[0]) => ({
  'x-kubernetes-list-map-keys': keys, 'x-kubernetes-list-type': 'map',
  ...(patchKey ? { 'x-kubernetes-patch-merge-key': patchKey, 'x-kubernetes-patch-strategy': 'merge' } : {}),
});
const LIST_EXT = {
  'V1PodSpec.containers': mapList(['name']),
  'V1PodSpec.initContainers': mapList(['name']),
  'V1PodSpec.ephemeralContainers': mapList(['name']),
  'V1PodSpec.volumes': { ...mapList(['name']), 'x-kubernetes-patch-strategy': 'merge,retainKeys' },
  'V1PodSpec.imagePullSecrets': mapList(['name']),
  'V1PodSpec.hostAliases': mapList(['ip']),
  'V1PodSpec.topologySpreadConstraints': mapList(['topologyKey', 'whenUnsatisfiable'], 'topologyKey'),
  'V1PodSpec.resourceClaims': { ...mapList(['name']), 'x-kubernetes-patch-strategy': 'merge,retainKeys' },
  'V1PodSpec.schedulingGates': mapList(['name']),
  'V1PodSpec.tolerations': { 'x-kubernetes-list-type': 'atomic' },
  'V1Container.env': mapList(['name']),
  'V1Container.ports': mapList(['containerPort', 'protocol'], 'containerPort'),
  'V1Container.volumeMounts': mapList(['mountPath']),
  'V1Container.volumeDevices': mapList(['devicePath']),
  'V1Container.envFrom': { 'x-kubernetes-list-type': 'atomic' },
  'V1Container.resizePolicy': { 'x-kubernetes-list-type': 'atomic' },
  'V1Container.command': { 'x-kubernetes-list-type': 'atomic' },
  'V1Container.args': { 'x-kubernetes-list-type': 'atomic' },
  'V1ServiceSpec.ports': mapList(['port', 'protocol'], 'port'),
  'V1ObjectMeta.finalizers': { 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' },
  'V1ObjectMeta.ownerReferences': mapList(['uid']),
  'V1ObjectMeta.managedFields': { 'x-kubernetes-list-type': 'atomic' },
  'V1PersistentVolumeClaimSpec.accessModes': { 'x-kubernetes-list-type': 'atomic' },
  'V1PersistentVolumeSpec.accessModes': { 'x-kubernetes-list-type': 'atomic' },
  'V1PersistentVolumeSpec.mountOptions': { 'x-kubernetes-list-type': 'atomic' },
  'V1StorageClass.mountOptions': { 'x-kubernetes-list-type': 'atomic' },
  'V1StorageClass.allowedTopologies': { 'x-kubernetes-list-type': 'atomic' },
  'V1StatefulSetSpec.volumeClaimTemplates': { 'x-kubernetes-list-type': 'atomic' },
  'V1LabelSelector.matchExpressions': { 'x-kubernetes-list-type': 'atomic' },
  'V1LabelSelectorRequirement.values': { 'x-kubernetes-list-type': 'atomic' },
};
for (const c of ['V1PodStatus', 'V1DeploymentStatus', 'V1ReplicaSetStatus', 'V1StatefulSetStatus',
  'V1DaemonSetStatus', 'V1PersistentVolumeClaimStatus', 'V1NodeStatus', 'V1JobStatus',
  'V2HorizontalPodAutoscalerStatus']) {
  LIST_EXT[`${c}.conditions`] = mapList(['type']);
}

/** Go package (upstream schema prefix) for a group and version. */
function pkgOf(group, version) {
  if (group === '') return `io.k8s.api.core.${version}.`;
  if (group === 'apiextensions.k8s.io') return `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${version}.`;
  if (group === 'apiregistration.k8s.io') return `io.k8s.kube-aggregator.pkg.apis.apiregistration.${version}.`;
  const special = { 'internal.apiserver.k8s.io': 'apiserverinternal', 'rbac.authorization.k8s.io': 'rbac',
    'flowcontrol.apiserver.k8s.io': 'flowcontrol' };
  return `io.k8s.api.${special[group] ?? group.split('.')[0]}.${version}.`;
}

/** Splits a client-node model name ("V1Pod", "CoreV1Event") into version and short name. */
function splitName(model) {
  const m = /^(?:[A-Z][a-z]+)?V(\d+(?:alpha\d+|beta\d+)?)([A-Z].*)$/.exec(model);
  return m ? { version: `v${m[1]}`, short: m[2] } : { version: '', short: model };
}

function loadModels() {
  const dir = join(gen, 'models');
  const models = new Map();
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.js') || f === 'all.js' || f === 'ObjectSerializer.js') continue;
    const name = f.slice(0, -3);
    const js = readFileSync(join(dir, f), 'utf8');
    const m = /\.attributeTypeMap = (\[[\s\S]*?\]);/.exec(js);
    if (!m) continue;
    const attrs = JSON.parse(m[1]);
    const dts = readFileSync(join(dir, `${name}.d.ts`), 'utf8');
    models.set(name, { name, attrs, ...parseDts(dts) });
  }
  return models;
}

function cleanDoc(raw) {
  const text = raw.split('\n').map((l) => l.replace(/^\s*\*\s?/, '')).join(' ').trim();
  // The generator folds upstream's paragraph breaks into two spaces, backslash-escapes \ ' and ",
  // and breaks up comment delimiters ('*/scale' -> '*_/scale', 'pods/*' -> 'pods/_*').
  return text.replace(/\\(.)/g, '$1').replace(/\*_\//g, '*/').replace(/\/_\*/g, '/*').replace(/ {2,}/g, '\n\n');
}

function parseDts(dts) {
  const cls = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*export declare class/.exec(dts);
  const props = {};
  const required = new Set();
  const re = /(?:\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*)?'([^']+)'(\??):/g;
  for (let m; (m = re.exec(dts));) {
    if (m[1]) props[m[2]] = cleanDoc(m[1]);
    if (m[3] !== '?') required.add(m[2]);
  }
  return { description: cls ? cleanDoc(cls[1]) : '', propDocs: props, required };
}

/** The name kubernetes-models exports a schema under: io.k8s.kube-aggregator.X -> IoK8sKubeAggregatorX. */
const kmAlias = (upstream) => upstream.split(/[.-]/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');

/**
 * kubernetes-models JSDoc keeps upstream's lines (one JSDoc line per "\n", " *" for a blank
 * one) and escapes only "*" and the "/" after it, so the text comes back verbatim.
 */
const kmDoc = (lines) => lines.map((l) => l.replace(/^\s*\* ?/, '')).join('\n').trim().replace(/\\([*/])/g, '$1');

/** Values of a property typed as a union of string literals, or of an array of them. */
function kmEnum(name, type) {
  const arr = /^Array<(.+)>$/.exec(type);
  const union = arr ? arr[1] : type;
  if (!/^"[^"\\]*"(?: \| "[^"\\]*")*$/.test(union)) return undefined;
  const values = [...union.matchAll(/"([^"\\]*)"/g)].map((m) => m[1]);
  // apiVersion and kind are narrowed to the one value of the kind's GVK; upstream has no enum there.
  if (values.length === 1 && (name === 'apiVersion' || name === 'kind')) return undefined;
  return { values, array: Boolean(arr) };
}

/**
 * Parses the `export interface` of a kubernetes-models .d.ts: its JSDoc and, per property,
 * JSDoc and enum. Line-based: the interface's own members sit at exactly four spaces, so
 * nested object types (indented further) never look like members.
 */
function parseKmDts(text) {
  const at = text.indexOf('\nexport interface ');
  if (at < 0) return undefined;
  const head = /\/\*\*\n((?:(?!\*\/)[\s\S])*)\*\/\s*$/.exec(text.slice(0, at + 1));
  const props = {};
  let doc;
  for (const line of text.slice(at + 1).split('\n').slice(1)) {
    if (line === '}') break;
    if (line === '    /**') doc = [];
    else if (line === '     */') continue;
    else if (doc && /^ {5}\*/.test(line)) doc.push(line);
    else {
      const m = /^ {4}"([^"]+)"\??: (.*?);?$/.exec(line);
      if (!m) continue;
      props[m[1]] = { doc: doc ? kmDoc(doc) : '', enum: kmEnum(m[1], m[2]) };
      doc = undefined;
    }
  }
  return { description: head ? kmDoc(head[1].split('\n')) : '', props };
}

/** kubernetes-models' interfaces for the wanted upstream names, by upstream name. */
function loadKmModels(wanted) {
  const byAlias = new Map([...wanted].map((n) => [kmAlias(n), n]));
  // File names are the short names; reading only those keeps this to a few hundred files.
  const shorts = new Set([...wanted].map((n) => `${n.slice(n.lastIndexOf('.') + 1)}.d.ts`));
  const found = new Map();
  for (const dir of KM_DIRS.filter((d) => existsSync(d))) {
    for (const f of readdirSync(dir, { recursive: true })) {
      const base = f.slice(f.lastIndexOf('/') + 1);
      if (!shorts.has(base) || f.startsWith('_schemas/') || f.includes('node_modules/')) continue;
      const text = readFileSync(join(dir, f), 'utf8');
      const alias = / as (IoK8s\w+) \};\s*$/.exec(text);
      const upstream = alias && byAlias.get(alias[1]);
      if (!upstream) continue;
      const parsed = parseKmDts(text);
      if (parsed) found.set(upstream, parsed);
    }
  }
  return found;
}

/** Maps each kind served by some collection POST to its group/version. */
function rootKinds() {
  const dir = join(gen, 'apis');
  const roots = new Map(Object.entries(FIXED_GV));
  for (const f of readdirSync(dir)) {
    if (!/V\d+(alpha\d+|beta\d+)?Api\.js$/.test(f)) continue;
    const js = readFileSync(join(dir, f), 'utf8');
    const re = /localVarPath = '([^']+)'[\s\S]*?(?=localVarPath = |$)/g;
    for (let m; (m = re.exec(js));) {
      const path = m[1];
      const gv = /^\/api\/(v1)\/|^\/apis\/([^/]+)\/([^/]+)\//.exec(path);
      if (!gv || path.includes('}/') && !/namespaces\/\{namespace\}\/[a-z]+$/.test(path)) continue;
      const body = /serialize\(body, "([A-Za-z0-9]+)"/.exec(m[0]);
      const post = /HttpMethod\.POST/.test(m[0]);
      if (!body || !post || !body[1] || roots.has(body[1])) continue;
      roots.set(body[1], gv[1] ? 'v1' : `${gv[2]}/${gv[3]}`);
    }
  }
  return roots;
}

function main() {
  if (!existsSync(gen)) {
    console.warn('gen-openapi: @kubernetes/client-node not installed; skipping dist/openapi-models.json');
    return;
  }
  const models = loadModels();
  const roots = rootKinds();
  const names = new Map(); // model -> upstream name
  for (const [model] of models) {
    const { short, version } = splitName(model);
    if (model === 'VersionInfo') names.set(model, 'io.k8s.apimachinery.pkg.version.Info');
    else if (version === 'v1' && META_TYPES.has(short)) names.set(model, META + short);
  }
  const gvs = [...new Set(roots.values())].sort((a, b) => (a === 'v1' ? -1 : b === 'v1' ? 1 : a.localeCompare(b)));
  const gvk = new Map();
  for (const gv of gvs) {
    const [group, version] = gv.includes('/') ? gv.split('/') : ['', gv];
    const queue = [...roots].filter(([, g]) => g === gv).map(([m]) => m);
    for (const m of queue) {
      const info = models.get(m);
      if (!info) continue;
      if (roots.get(m) === gv && !names.has(m)) gvk.set(m, { group, version, kind: splitName(m).short });
      if (!names.has(m)) names.set(m, pkgOf(group, version) + splitName(m).short);
      for (const a of info.attrs) {
        for (const t of a.type.match(/[A-Za-z0-9]+/g) ?? []) if (models.has(t) && !names.has(t) && !queue.includes(t)) queue.push(t);
      }
    }
    // List kinds share the group/version of their item kind.
    for (const [m, g] of roots) {
      const list = `${m}List`;
      if (g === gv && models.has(list)) {
        names.set(list, pkgOf(group, version) + splitName(list).short);
        gvk.set(list, { group, version, kind: splitName(list).short });
      }
    }
  }

  const schemas = {
    [TIME]: { description: 'A timestamp in RFC 3339 form, with second precision (e.g. 2026-01-02T15:04:05Z).', type: 'string', format: 'date-time' },
    [MICRO]: { description: 'A timestamp in RFC 3339 form with microsecond precision.', type: 'string', format: 'date-time' },
    [INTSTR]: { description: 'Either an integer or a string; JSON and YAML carry whichever was given (e.g. a port number or a port name).', type: 'string', format: 'int-or-string' },
    [QUANTITY]: { description: 'A decimal amount with an optional suffix: binary (Ki, Mi, Gi, Ti, Pi, Ei), decimal (m, k, M, G, T, P, E) or an exponent (e.g. 1e3). Examples: 500m, 1Gi, 2.5, 1e3.', type: 'string' },
    [RAW]: { description: 'An embedded object of any kind, kept as JSON.', type: 'object' },
    [`${META}FieldsV1`]: { description: 'The set of fields a manager owns, as a JSON trie (f:<name>, k:<key>, v:<value>, i:<index>).', type: 'object' },
  };
  const ref = (n) => ({ $ref: `#/definitions/${n}` });
  const convert = (type, format, quantity) => {
    const arr = /^Array<(.+)>$/.exec(type);
    if (arr) return { type: 'array', items: convert(arr[1], format, quantity) };
    const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
    if (map) return { type: 'object', additionalProperties: convert(map[1], format, quantity) };
    if (type === 'string') return quantity ? ref(QUANTITY) : format === 'byte' ? { type: 'string', format } : { type: 'string' };
    if (type === 'number') return format === 'double' || format === '' ? { type: 'number', format: format || 'double' } : { type: 'integer', format };
    if (type === 'boolean') return { type: 'boolean' };
    // client-node types MicroTime fields as V1MicroTime (format date-time-micro), not Date.
    if (type === 'Date' || type === 'V1MicroTime') return ref(format === 'date-time-micro' ? MICRO : TIME);
    if (type === 'IntOrString') return ref(INTSTR);
    if (type === 'any') return {};
    const n = names.get(type);
    return n ? ref(n) : { type: 'object' };
  };
  const km = loadKmModels(new Set(names.values()));
  for (const [model, upstream] of names) {
    const info = models.get(model);
    if (!info) continue;
    const kmInfo = km.get(upstream);
    const properties = {};
    for (const a of info.attrs) {
      const key = `${model}.${a.name}`;
      let s = convert(a.type, a.format, QUANTITY_FIELDS.has(key));
      if (a.type === 'any' && a.baseName === 'fieldsV1') s = ref(`${META}FieldsV1`);
      else if (a.type === 'any' && (a.baseName === 'object' || model === 'V1ControllerRevision')) s = ref(RAW);
      // client-node drops descriptions of properties that reference a model, and the list of
      // enum values upstream appends to an enum's description; kubernetes-models has both.
      // Where neither has one, kubectl explain shows the referenced type's description alone.
      const kmProp = kmInfo?.props[a.baseName];
      // For IntOrString/Time fields client-node's JSDoc is the type's, not the field's: prefer
      // kubernetes-models' field text there.
      const own = info.propDocs[a.name];
      const typeDoc = own !== undefined && /^(IntOrString is a type|MicroTime is version of Time|Time is a wrapper)/.test(own);
      let doc = (typeDoc ? kmProp?.doc : undefined) || own || kmProp?.doc;
      const values = /\n\nPossible enum values:\n[\s\S]*$/.exec(kmProp?.doc ?? '');
      if (doc && values && !doc.includes('Possible enum values:')) doc += values[0];
      if (doc) s = { description: doc, ...s };
      const en = kmProp?.enum;
      if (en && !en.array && s.type === 'string') s.enum = en.values;
      else if (en?.array && s.type === 'array' && s.items.type === 'string') s.items.enum = en.values;
      Object.assign(s, LIST_EXT[key] ?? {});
      properties[a.baseName] = s;
    }
    const schema = { description: info.description || kmInfo?.description || '', type: 'object', properties };
    const required = info.attrs.filter((a) => info.required.has(a.name)).map((a) => a.baseName);
    if (required.length) schema.required = required;
    const k = gvk.get(model);
    if (k) schema['x-kubernetes-group-version-kind'] = [k];
    schemas[upstream] = schema;
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ schemas }));
}

main();
