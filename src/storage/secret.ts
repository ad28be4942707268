// secret volumes: data values are base64 in the API and written decoded.
import type { ApiClient } from '../machinery/client';
import type { KObject } from '../machinery/types';
import { getIfExists, secretsRef } from './api-object';
import { type KeySource, projectKeys } from './key-projection';
import { DEFAULT_FILE_MODE, type Payload, modeOf } from './payload';

export interface SecretSource extends KeySource {
  /** `secretName` in a secret volume, `name` in a projected source. */
  name?: string;
  defaultMode?: number;
}

function values(secret: KObject): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries((secret.data ?? {}) as Record<string, unknown>)) if (typeof v === 'string') out.set(k, Buffer.from(v, 'base64'));
  return out;
}

/** The files of a secret volume or projection; `secret` undefined means it does not exist. */
export function secretPayload(secret: KObject | undefined, src: SecretSource, defaultMode = modeOf(src.defaultMode, DEFAULT_FILE_MODE)): Payload {
  if (!secret) {
    if (src.optional === true) return new Map();
    throw new Error(`secret "${src.name ?? ''}" not found`);
  }
  return projectKeys(values(secret), src, defaultMode, (k) => `references non-existent secret key: ${k}`);
}

export async function fetchSecretPayload(client: ApiClient, namespace: string, src: SecretSource, defaultMode?: number): Promise<Payload> {
  const s = await getIfExists(client, secretsRef, namespace, src.name ?? '');
  return defaultMode === undefined ? secretPayload(s, src) : secretPayload(s, src, defaultMode);
}
