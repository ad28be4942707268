// What an atomic-writer volume (configMap, secret, downwardAPI, projected) holds: relative
// path → bytes and file mode. Plugins build one; the atomic writer puts it on disk.

export interface FileProjection {
  data: Buffer;
  mode: number;
}

export type Payload = Map<string, FileProjection>;

/** The API's default file mode for projected files (0644). */
export const DEFAULT_FILE_MODE = 0o644;

/** A file mode from the API (a JSON number), or the fallback when absent or not a number. */
export function modeOf(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0o777 ? v : fallback;
}
