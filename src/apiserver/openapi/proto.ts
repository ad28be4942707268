// Encodes a swagger 2.0 JSON document as gnostic's openapi.v2.Document protobuf, the form
// kubectl 1.27/1.28 request. Only the messages a Kubernetes spec uses are declared; field
// numbers follow gnostic's openapiv2/OpenAPIv2.proto.
import type protobuf from 'protobufjs';
import { protobufjs } from '../../machinery/lazy';
import type { Schema } from './models';

const PROTO = `
syntax = "proto3";
package openapi.v2;
message Any { string yaml = 2; }
message NamedAny { string name = 1; Any value = 2; }
message Info { string title = 1; string version = 2; string description = 3; }
message Document {
  string swagger = 1; Info info = 2; string host = 3; string base_path = 4; repeated string schemes = 5;
  repeated string consumes = 6; repeated string produces = 7; Paths paths = 8; Definitions definitions = 9;
  repeated NamedAny vendor_extension = 16;
}
message Paths { repeated NamedAny vendor_extension = 1; repeated NamedPathItem path = 2; }
message NamedPathItem { string name = 1; PathItem value = 2; }
message PathItem {
  string _ref = 1; Operation get = 2; Operation put = 3; Operation post = 4; Operation delete = 5;
  Operation options = 6; Operation head = 7; Operation patch = 8; repeated ParametersItem parameters = 9;
  repeated NamedAny vendor_extension = 10;
}
message Operation {
  repeated string tags = 1; string summary = 2; string description = 3; string operation_id = 5;
  repeated string produces = 6; repeated string consumes = 7; repeated ParametersItem parameters = 8;
  Responses responses = 9; repeated string schemes = 10; bool deprecated = 11; repeated NamedAny vendor_extension = 13;
}
message ParametersItem { oneof oneof { Parameter parameter = 1; JsonReference json_reference = 2; } }
message JsonReference { string _ref = 1; string description = 2; }
message Parameter { oneof oneof { BodyParameter body_parameter = 1; NonBodyParameter non_body_parameter = 2; } }
message BodyParameter {
  string description = 1; string name = 2; string in = 3; bool required = 4; Schema schema = 5;
  repeated NamedAny vendor_extension = 6;
}
message NonBodyParameter {
  oneof oneof { QueryParameterSubSchema query_parameter_sub_schema = 3; PathParameterSubSchema path_parameter_sub_schema = 4; }
}
message QueryParameterSubSchema {
  bool required = 1; string in = 2; string description = 3; string name = 4; string type = 6; string format = 7;
  bool unique_items = 20;
}
message PathParameterSubSchema {
  bool required = 1; string in = 2; string description = 3; string name = 4; string type = 5; string format = 6;
  bool unique_items = 19;
}
message Responses { repeated NamedResponseValue response_code = 1; repeated NamedAny vendor_extension = 2; }
message NamedResponseValue { string name = 1; ResponseValue value = 2; }
message ResponseValue { oneof oneof { Response response = 1; JsonReference json_reference = 2; } }
message Response { string description = 1; SchemaItem schema = 2; repeated NamedAny vendor_extension = 5; }
message SchemaItem { oneof oneof { Schema schema = 1; } }
message Definitions { repeated NamedSchema additional_properties = 1; }
message NamedSchema { string name = 1; Schema value = 2; }
message Properties { repeated NamedSchema additional_properties = 1; }
message AdditionalPropertiesItem { oneof oneof { Schema schema = 1; bool boolean = 2; } }
message TypeItem { repeated string value = 1; }
message ItemsItem { repeated Schema schema = 1; }
message Schema {
  string _ref = 1; string format = 2; string title = 3; string description = 4; Any default = 5;
  double maximum = 7; double minimum = 9; int64 max_length = 11; int64 min_length = 12; string pattern = 13;
  repeated string required = 19; repeated Any enum = 20; AdditionalPropertiesItem additional_properties = 21;
  TypeItem type = 22; ItemsItem items = 23; repeated Schema all_of = 24; Properties properties = 25;
  bool read_only = 27; Any example = 30; repeated NamedAny vendor_extension = 31;
}
`;

let documentType: protobuf.Type | undefined;

function docType(): protobuf.Type {
  documentType ??= protobufjs().parse(PROTO, { keepCase: true }).root.lookupType('openapi.v2.Document');
  return documentType;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const anyOf = (v: unknown): Obj => ({ yaml: `${JSON.stringify(v)}\n` });

function extensions(o: Obj): Obj[] {
  return Object.entries(o).filter(([k]) => k.startsWith('x-')).map(([name, v]) => ({ name, value: anyOf(v) }));
}

function schema(s: Obj): Obj {
  const out: Obj = {};
  if (typeof s.$ref === 'string') out._ref = s.$ref;
  for (const k of ['format', 'title', 'description', 'pattern'] as const) if (typeof s[k] === 'string') out[k] = s[k];
  if (s.default !== undefined) out.default = anyOf(s.default);
  if (typeof s.maximum === 'number') out.maximum = s.maximum;
  if (typeof s.minimum === 'number') out.minimum = s.minimum;
  if (Array.isArray(s.required)) out.required = s.required;
  if (Array.isArray(s.enum)) out.enum = s.enum.map(anyOf);
  if (typeof s.type === 'string') out.type = { value: [s.type] };
  if (isObj(s.items)) out.items = { schema: [schema(s.items)] };
  if (Array.isArray(s.allOf)) out.all_of = s.allOf.filter(isObj).map(schema);
  if (isObj(s.additionalProperties)) out.additional_properties = { schema: schema(s.additionalProperties) };
  else if (typeof s.additionalProperties === 'boolean') out.additional_properties = { boolean: s.additionalProperties };
  if (isObj(s.properties)) {
    out.properties = { additional_properties: Object.entries(s.properties).filter(([, v]) => isObj(v)).map(([name, v]) => ({ name, value: schema(v as Obj) })) };
  }
  if (s.readOnly === true) out.read_only = true;
  const ext = extensions(s);
  if (ext.length) out.vendor_extension = ext;
  return out;
}

function parameter(p: Obj): Obj {
  if (typeof p.$ref === 'string') return { json_reference: { _ref: p.$ref } };
  if (p.in === 'body') {
    return { parameter: { body_parameter: { description: p.description, name: p.name, in: 'body', required: p.required === true,
      ...(isObj(p.schema) ? { schema: schema(p.schema) } : {}) } } };
  }
  const common = { required: p.required === true, in: p.in, description: p.description, name: p.name, type: p.type,
    unique_items: p.uniqueItems === true };
  const key = p.in === 'path' ? 'path_parameter_sub_schema' : 'query_parameter_sub_schema';
  return { parameter: { non_body_parameter: { [key]: common } } };
}

function operation(op: Obj): Obj {
  const responses = isObj(op.responses) ? Object.entries(op.responses).filter(([, v]) => isObj(v)).map(([name, v]) => {
    const r = v as Obj;
    return { name, value: { response: { description: r.description ?? '', ...(isObj(r.schema) ? { schema: { schema: schema(r.schema) } } : {}) } } };
  }) : [];
  return {
    tags: op.tags, description: op.description, operation_id: op.operationId, produces: op.produces, consumes: op.consumes,
    parameters: Array.isArray(op.parameters) ? op.parameters.filter(isObj).map(parameter) : [],
    responses: { response_code: responses }, schemes: op.schemes, vendor_extension: extensions(op),
  };
}

/** Swagger JSON -> serialized openapi.v2.Document. */
export function encodeSwagger(doc: Schema): Uint8Array {
  const paths = isObj(doc.paths) ? Object.entries(doc.paths).filter(([, v]) => isObj(v)).map(([name, v]) => {
    const item = v as Obj;
    const value: Obj = {};
    for (const m of ['get', 'put', 'post', 'delete', 'patch']) if (isObj(item[m])) value[m] = operation(item[m]);
    if (Array.isArray(item.parameters)) value.parameters = item.parameters.filter(isObj).map(parameter);
    return { name, value };
  }) : [];
  const definitions = isObj(doc.definitions)
    ? Object.entries(doc.definitions).filter(([, v]) => isObj(v)).map(([name, v]) => ({ name, value: schema(v as Obj) }))
    : [];
  const T = docType();
  const msg = T.fromObject({ swagger: doc.swagger, info: doc.info, paths: { path: paths }, definitions: { additional_properties: definitions } });
  return T.encode(msg).finish();
}

/** For tests: decode back to a plain object. */
export function decodeSwagger(buf: Uint8Array): Obj {
  const T = docType();
  return T.toObject(T.decode(buf), { defaults: false });
}
