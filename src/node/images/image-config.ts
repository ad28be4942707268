// Reading an image's config blob into the parts the store and runtime need.
import type { ImageConfig } from '../types';
import type { StoredImage, StoredLayer } from './store';

export interface ParsedConfig {
  config: ImageConfig;
  diffIDs: string[];
  architecture: string;
  os: string;
  created?: string;
}

const configKeys: (keyof ImageConfig)[] = ['Entrypoint', 'Cmd', 'Env', 'WorkingDir', 'User', 'ExposedPorts', 'Labels', 'StopSignal', 'Volumes'];

export function parseImageConfig(buf: Buffer): ParsedConfig {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(buf.toString()) as Record<string, unknown>;
  } catch {
    throw new Error('Cannot read image config: it is not JSON; the image is corrupt');
  }
  const rootfs = doc.rootfs as { diff_ids?: unknown } | undefined;
  const diffIDs = Array.isArray(rootfs?.diff_ids) ? rootfs.diff_ids.filter((d): d is string => typeof d === 'string') : [];
  const src = (doc.config ?? {}) as Record<string, unknown>;
  const config: ImageConfig = {};
  for (const k of configKeys) if (src[k] !== undefined) (config as Record<string, unknown>)[k] = src[k];
  const out: ParsedConfig = {
    config,
    diffIDs,
    architecture: typeof doc.architecture === 'string' ? doc.architecture : '',
    os: typeof doc.os === 'string' ? doc.os : '',
  };
  if (typeof doc.created === 'string') out.created = doc.created;
  return out;
}

/** The stored record of an image (names are attached by the caller). */
export function makeImage(configDigest: string, parsed: ParsedConfig, manifestDigest: string, layers: StoredLayer[], repoDigests: string[]): StoredImage {
  const img: StoredImage = {
    id: configDigest,
    repoTags: [],
    repoDigests,
    size: layers.reduce((n, l) => n + l.size, 0),
    config: parsed.config,
    architecture: parsed.architecture,
    os: parsed.os,
    manifestDigest,
    layers,
  };
  if (parsed.created !== undefined) img.created = parsed.created;
  return img;
}
