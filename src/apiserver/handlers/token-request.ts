// POST .../serviceaccounts/NAME/token over HTTP: the body is a TokenRequest (JSON, YAML or
// protobuf, as kubectl create token sends it); the answer is that TokenRequest with its status.
import { errors } from '../../machinery/errors';
import type { RequestContext } from './context';
import { writeObject } from './output';
import { readObject } from './rest-write';

export async function handleTokenRequest(rc: RequestContext): Promise<void> {
  if (rc.info.verb !== 'create') throw errors.methodNotAllowed();
  const tokens = rc.deps.serviceAccountTokens;
  if (!tokens) throw errors.pathNotFound();
  const body = await readObject(rc);
  if (body.apiVersion !== undefined && body.apiVersion !== 'authentication.k8s.io/v1') {
    throw errors.badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (authentication.k8s.io/v1)`);
  }
  if (body.kind !== undefined && body.kind !== 'TokenRequest') {
    throw errors.badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (TokenRequest)`);
  }
  writeObject(rc, 201, await tokens.request(rc.info.namespace ?? '', rc.info.name ?? '', body));
}
