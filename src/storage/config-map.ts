// configMap volumes: data (UTF-8) and binaryData (base64) keys as files.
import type { ApiClient } from '../machinery/client';
import type { KObject } from '../machinery/types';
import { configMapsRef, getIfExists } from './api-object';
import { type KeySource, projectKeys } from './key-projection';
import { DEFAULT_FILE_MODE, type Payload, modeOf } from './payload';

export interface ConfigMapSource extends KeySource {
  name?: string;
  defaultMode?: number;
}

function values(cm: KObject): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries((cm.data ?? {}) as Record<string, unknown>)) if (typeof v === 'string') out.set(k, Buffer.from(v, 'utf8'));
  for (const [k, v] of Object.entries((cm.binaryData ?? {}) as Record<string, unknown>)) if (typeof v === 'string') out.set(k, Buffer.from(v, 'base64'));
  return out;
}

/** The files of a configMap volume or projection; `cm` undefined means it does not exist. */
export function configMapPayload(cm: KObject | undefined, src: ConfigMapSource, defaultMode = modeOf(src.defaultMode, DEFAULT_FILE_MODE)): Payload {
  if (!cm) {
    if (src.optional === true) return new Map();
    throw new Error(`configmap "${src.name ?? ''}" not found`);
  }
  return projectKeys(values(cm), src, defaultMode, (k) => `configmap references non-existent config key: ${k}`);
}

export async function fetchConfigMapPayload(client: ApiClient, namespace: string, src: ConfigMapSource, defaultMode?: number): Promise<Payload> {
  const cm = await getIfExists(client, configMapsRef, namespace, src.name ?? '');
  return defaultMode === undefined ? configMapPayload(cm, src) : configMapPayload(cm, src, defaultMode);
}
