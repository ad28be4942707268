// The bearer token a node's streaming server accepts from the API server: derived from the join
// token and the node's name, so both sides compute it, nothing more is exchanged, and one node
// learns nothing that opens another node's exec/logs.
import { createHmac } from 'node:crypto';

export function nodeStreamToken(joinToken: string, nodeName: string): string {
  return createHmac('sha256', joinToken).update(`berth-node-stream:${nodeName}`).digest('base64url');
}
