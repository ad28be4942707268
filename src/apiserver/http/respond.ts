// Writes responses: objects in the negotiated encoding and errors as a Kubernetes Status.
import type { ServerResponse } from 'node:http';
import { yaml } from '../../machinery/lazy';
import { type ApiError, toStatus } from '../../machinery/errors';

export function writeJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function writeBody(res: ServerResponse, status: number, body: unknown, asYaml: boolean): void {
  if (!asYaml) return writeJson(res, status, body);
  const text = yaml().stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/yaml', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function writeError(res: ServerResponse, err: ApiError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  writeJson(res, err.code, toStatus(err));
}
