// Writing objects back in the representation the client negotiated.
import type { KObject } from '../../machinery/types';
import { negotiate } from '../http/negotiate';
import { writeBody } from '../http/respond';
import type { RequestContext } from './context';
import { apiVersionOf, type ResourceDef } from '../../machinery/resource';
import { partialMetadata } from './table';

/** A typed list (PodList, ...): its items carry no apiVersion/kind, as kube-apiserver encodes them. */
export function typedList(def: ResourceDef, version: string, metadata: Record<string, unknown>, items: KObject[]): Record<string, unknown> {
  return { kind: `${def.kind}List`, apiVersion: apiVersionOf(def, version), metadata, items: items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest) };
}

export function tableOpts(url: URL): { includeObject?: string } {
  const inc = url.searchParams.get('includeObject');
  return inc ? { includeObject: inc } : {};
}

export function writeObject(rc: RequestContext, status: number, obj: KObject | Record<string, unknown>): void {
  const repr = negotiate(rc.req.headers.accept, false);
  if (repr === 'partial') return writeBody(rc.res, status, partialMetadata(obj as KObject), false);
  writeBody(rc.res, status, obj, repr === 'yaml');
}

