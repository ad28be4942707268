// Libraries only some requests need are loaded on first use, keeping them off the start-up path
// (each costs 20-30 ms to load): YAML bodies and output, the protobuf OpenAPI document.
import { createRequire } from 'node:module';
import type * as YamlModule from 'yaml';
import type ProtobufModule from 'protobufjs';

const requireCjs = createRequire(import.meta.url);

let yamlModule: typeof YamlModule | undefined;
export function yaml(): typeof YamlModule {
  yamlModule ??= requireCjs('yaml') as typeof YamlModule;
  return yamlModule;
}

let protobufModule: typeof ProtobufModule | undefined;
export function protobufjs(): typeof ProtobufModule {
  protobufModule ??= requireCjs('protobufjs') as typeof ProtobufModule;
  return protobufModule;
}
