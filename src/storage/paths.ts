// Path checks the node makes itself (the API validates too, but the node must not trust a
// stored object): payload paths and subPaths must stay inside their volume.

const MAX_PATH = 4096;
const MAX_SEGMENT = 255;

/** Why a payload path (a configMap/secret item path, a downwardAPI path) is refused, or undefined. */
export function payloadPathError(p: string): string | undefined {
  if (p === '') return 'invalid path: must not be empty';
  if (p.length > MAX_PATH) return `invalid path: must be less than or equal to ${MAX_PATH} characters`;
  if (p.startsWith('/')) return `invalid path "${p}": must be a relative path`;
  if (p.startsWith('..')) return `invalid path "${p}": must not start with '..' (names starting with '..' are reserved for the writer)`;
  for (const seg of p.split('/')) {
    if (seg === '') return `invalid path "${p}": must not contain empty segments ('//' or a trailing '/')`;
    if (seg === '..') return `invalid path "${p}": must not contain '..'`;
    if (seg === '.') return `invalid path "${p}": must not contain '.' segments`;
    if (seg.length > MAX_SEGMENT) return `invalid path "${p}": each segment must be at most ${MAX_SEGMENT} characters`;
    if (seg.includes('\0')) return `invalid path "${p}": must not contain NUL`;
  }
  return undefined;
}

/** The segments of a subPath inside its volume; throws for absolute paths and backsteps. */
export function subPathSegments(subPath: string): string[] {
  if (subPath.startsWith('/')) throw new Error(`subPath "${subPath}" must be a relative path; write it relative to the volume root`);
  if (subPath.includes('\0')) throw new Error(`subPath "${subPath}" must not contain NUL`);
  const segs = subPath.split('/').filter((s) => s !== '' && s !== '.');
  if (segs.includes('..')) throw new Error(`subPath "${subPath}" must not contain '..'; a subPath must stay inside its volume`);
  return segs;
}

/** True when `p` is `base` or below it (both absolute, normalized). */
export function isWithin(base: string, p: string): boolean {
  return p === base || p.startsWith(base.endsWith('/') ? base : `${base}/`);
}
