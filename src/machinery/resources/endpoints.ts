// core/v1 Endpoints: table as printEndpoints (first three host:port pairs, then "+ N more...").
import { type FieldError, Path, fe } from '../field-errors';
import type { ResourceDef } from '../resource';
import { type KObject, isObject } from '../types';
import { age } from '../printers/age';
import { validateObjectMeta } from '../validation/meta';
import { isValidPortNum, nameIsDNSSubdomain } from '../validation/names';
import { arr, col, nameColumn, ageColumn, obj, str } from './common';

const joinHostPort = (ip: string, port: unknown): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

export function formatEndpoints(o: KObject): string {
  const subsets = arr(o.subsets).map(obj);
  if (subsets.length === 0) return '<none>';
  const max = 3;
  const list: string[] = [];
  let count = 0;
  let more = false;
  for (const ss of subsets) {
    const addrs = arr(ss.addresses).map(obj);
    const ports = arr(ss.ports).map(obj);
    if (ports.length === 0) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(str(a.ip));
      }
      continue;
    }
    for (const p of ports) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(joinHostPort(str(a.ip), p.port));
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

function validateSubsets(o: KObject): FieldError[] {
  const errs: FieldError[] = [];
  arr(o.subsets).forEach((raw, i) => {
    const ss = obj(raw);
    const sp = new Path('subsets').index(i);
    for (const key of ['addresses', 'notReadyAddresses']) {
      arr(ss[key]).forEach((a, j) => {
        if (!str(obj(a).ip)) errs.push(fe.invalid(sp.child(key).index(j).child('ip'), '', 'must be a valid IP address'));
      });
    }
    arr(ss.ports).forEach((p, j) => {
      for (const m of isValidPortNum(Number(obj(p).port))) errs.push(fe.invalid(sp.child('ports').index(j).child('port'), obj(p).port, m));
    });
  });
  return errs;
}

export const endpointsDef: ResourceDef = {
  group: '',
  versions: ['v1'],
  kind: 'Endpoints',
  plural: 'endpoints',
  singular: 'endpoints',
  shortNames: ['ep'],
  categories: [],
  namespaced: true,
  subresources: [],
  generation: false,

  default(o) {
    for (const ss of arr(o.subsets)) for (const p of arr(obj(ss).ports)) if (isObject(p)) p.protocol ??= 'TCP';
  },
  validate(o) {
    return [...validateObjectMeta(o.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain }), ...validateSubsets(o)];
  },
  table: {
    columns: [nameColumn(), col('Endpoints', 'The set of all endpoints is the union of all subsets.'), ageColumn()],
    row(o, now) {
      return [o.metadata.name ?? '', formatEndpoints(o), age(o.metadata.creationTimestamp, now)];
    },
  },
};
