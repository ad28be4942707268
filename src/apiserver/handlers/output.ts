// Writing objects back in the representation the client negotiated.
import type { KObject } from '../../machinery/types';
import { negotiate } from '../http/negotiate';
import { writeBody } from '../http/respond';
import type { RequestContext } from './context';
import { partialMetadata } from './table';

export function tableOpts(url: URL): { includeObject?: string } {
  const inc = url.searchParams.get('includeObject');
  return inc ? { includeObject: inc } : {};
}

export function writeObject(rc: RequestContext, status: number, obj: KObject | Record<string, unknown>): void {
  const repr = negotiate(rc.req.headers.accept, false);
  if (repr === 'partial') return writeBody(rc.res, status, partialMetadata(obj as KObject), false);
  writeBody(rc.res, status, obj, repr === 'yaml');
}

