// Fetching the objects volumes project, with the kubelet's not-found wording.
import type { ApiClient, ResourceRef } from '../machinery/client';
import { ApiError } from '../machinery/errors';
import type { KObject } from '../machinery/types';

export const configMapsRef: ResourceRef = { group: '', version: 'v1', plural: 'configmaps' };
export const secretsRef: ResourceRef = { group: '', version: 'v1', plural: 'secrets' };

/** The object, or undefined when it does not exist (other API errors are thrown). */
export async function getIfExists(client: ApiClient, ref: ResourceRef, namespace: string, name: string): Promise<KObject | undefined> {
  try {
    return await client.get(ref, namespace, name);
  } catch (e) {
    if (e instanceof ApiError && e.code === 404) return undefined;
    if (typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 404) return undefined;
    throw e;
  }
}
