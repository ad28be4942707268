// Key ordering shared by the drivers. SQLite compares TEXT keys bytewise on their UTF-8 form, which
// is Unicode code point order; JS `<` compares UTF-16 code units, which differs once surrogate pairs
// meet characters in U+E000..U+FFFF. The memory driver sorts with compareKeys so both agree.

/** Code point order (= UTF-8 byte order) for two strings. */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (D800..DFFF) encode code points above FFFF, so they must sort after E000..FFFF.
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/**
 * The smallest string greater than every string that starts with prefix, in code point order; undefined
 * when there is none (empty prefix, or one made only of U+10FFFF). Lets prefix scans be range scans.
 */
export function prefixEnd(prefix: string): string | undefined {
  const cps = Array.from(prefix, (c) => c.codePointAt(0) ?? 0);
  while (cps.length > 0) {
    const last = cps.pop() ?? 0;
    if (last >= 0x10ffff) continue;
    // Skip the surrogate block: those are not scalar values and never appear in valid UTF-8.
    const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
    cps.push(next);
    return String.fromCodePoint(...cps);
  }
  return undefined;
}

/** Index of the first element of sorted keys that is >= key (or > key when strict). */
export function lowerBound(sorted: readonly string[], key: string, strict = false): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareKeys(sorted[mid] as string, key);
    if (c < 0 || (strict && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
