// pod-template-hash: upstream hashes the pod template (plus status.collisionCount, little-endian
// uint32) with FNV-32a and writes the decimal number through the generateName alphabet.
// Upstream feeds the hash a spew dump of the Go struct; Berth feeds it the template as canonical
// JSON (sorted keys), so the hash is stable and has the same shape but not the same digits.

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** rand.SafeEncodeString: every byte mapped into the alphabet (no vowels, no look-alikes). */
export function safeEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += ALPHABET[s.charCodeAt(i) % ALPHABET.length] ?? '';
  return out;
}

export function fnv32a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** JSON with object keys sorted at every level (undefined members dropped). */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** controller.ComputeHash(template, collisionCount). */
export function computeHash(template: unknown, collisionCount?: number): string {
  const body = Buffer.from(canonicalJson(template), 'utf8');
  let bytes: Uint8Array = body;
  if (collisionCount !== undefined) {
    const extra = Buffer.alloc(4);
    extra.writeUInt32LE(collisionCount >>> 0);
    bytes = Buffer.concat([body, extra]);
  }
  return safeEncode(String(fnv32a(bytes)));
}
