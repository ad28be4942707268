// Listening and closing for Berth's HTTPS servers (the API server and the node's streaming
// server): listen resolves with the bound address or rejects with the listen error (EADDRINUSE…)
// so callers can name the fix; close drops live connections instead of waiting for them.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:https';

export async function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

export async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
