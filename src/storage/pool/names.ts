// Volume and snapshot names. One rule serves both APIs: Docker's volume name pattern
// ([a-zA-Z0-9][a-zA-Z0-9_.-]+) admits every DNS-1123 name a PV handle or claim uid gives, and a
// name is also a file name in the pool, so it may not contain "/" or "..".
import { PoolError } from './errors';

const PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
/** Room for the ".img" / ".json" suffixes and temporary prefixes within NAME_MAX (255). */
export const MAX_NAME_LENGTH = 200;

/** Why `name` is not a valid volume/snapshot name, or undefined when it is. */
export function nameError(name: string, what = 'volume'): string | undefined {
  if (name.length > MAX_NAME_LENGTH) return `Invalid ${what} name "${name.slice(0, 40)}...": it is ${name.length} characters long; use at most ${MAX_NAME_LENGTH}`;
  if (!PATTERN.test(name)) return `Invalid ${what} name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, at least 2 characters; choose a name like "data-1"`;
  if (name.includes('..')) return `Invalid ${what} name "${name}": it may not contain ".."; choose a name like "data-1"`;
  return undefined;
}

export function checkName(name: string, what = 'volume'): void {
  const err = nameError(name, what);
  if (err) throw new PoolError('InvalidArgument', err);
}
