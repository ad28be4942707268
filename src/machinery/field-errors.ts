// Field errors in kube-apiserver's shape: "<path>: <Type>: <value>: <detail>".
// Each cause carries a stable reason (FieldValueRequired, ...) and the field path.

export type FieldErrorType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueTypeInvalid'
  | 'FieldValueInternal';

const label: Record<FieldErrorType, string> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  FieldValueTypeInvalid: 'Invalid value',
  FieldValueInternal: 'Internal error',
};

export interface FieldError {
  type: FieldErrorType;
  field: string;
  /** The offending value, when upstream prints it. */
  value?: unknown;
  hasValue: boolean;
  detail: string;
}

function printValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** The message upstream puts in a cause and in the Status message. */
export function fieldErrorMessage(e: FieldError, withField = true): string {
  const parts: string[] = [];
  if (withField && e.field) parts.push(`${e.field}: ${label[e.type]}`);
  else parts.push(label[e.type]);
  if (e.hasValue && e.type !== 'FieldValueRequired' && e.type !== 'FieldValueForbidden' && e.type !== 'FieldValueTooMany' && e.type !== 'FieldValueInternal') {
    parts.push(printValue(e.value));
  }
  if (e.detail) parts.push(e.detail);
  return parts.join(': ');
}

/** Builds field paths like spec.containers[0].name. */
export class Path {
  constructor(private readonly s: string = '') {}
  child(name: string, ...more: string[]): Path {
    let out = this.s;
    for (const n of [name, ...more]) out = out ? `${out}.${n}` : n;
    return new Path(out);
  }
  index(i: number): Path {
    return new Path(`${this.s}[${i}]`);
  }
  key(k: string): Path {
    return new Path(`${this.s}[${k}]`);
  }
  toString(): string {
    return this.s;
  }
}

type P = Path | string;
const ps = (p: P): string => (typeof p === 'string' ? p : p.toString());

export const fe = {
  required: (p: P, detail = ''): FieldError => ({ type: 'FieldValueRequired', field: ps(p), hasValue: false, detail }),
  invalid: (p: P, value: unknown, detail: string): FieldError => ({ type: 'FieldValueInvalid', field: ps(p), value, hasValue: true, detail }),
  notSupported: (p: P, value: unknown, valid: readonly string[]): FieldError => ({
    type: 'FieldValueNotSupported',
    field: ps(p),
    value,
    hasValue: true,
    detail: valid.length ? `supported values: ${valid.map((v) => JSON.stringify(v)).join(', ')}` : '',
  }),
  forbidden: (p: P, detail: string): FieldError => ({ type: 'FieldValueForbidden', field: ps(p), hasValue: false, detail }),
  duplicate: (p: P, value: unknown): FieldError => ({ type: 'FieldValueDuplicate', field: ps(p), value, hasValue: true, detail: '' }),
  notFound: (p: P, value: unknown): FieldError => ({ type: 'FieldValueNotFound', field: ps(p), value, hasValue: true, detail: '' }),
  tooLong: (p: P, value: unknown, max: number): FieldError => ({
    type: 'FieldValueTooLong',
    field: ps(p),
    value,
    hasValue: false,
    detail: `may not be more than ${max} bytes`,
  }),
  tooMany: (p: P, actual: number, max: number): FieldError => ({
    type: 'FieldValueTooMany',
    field: ps(p),
    value: actual,
    hasValue: false,
    detail: `must have at most ${max} items`,
  }),
  typeInvalid: (p: P, value: unknown, detail: string): FieldError => ({ type: 'FieldValueTypeInvalid', field: ps(p), value, hasValue: true, detail }),
};
