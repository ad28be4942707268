import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { test } from 'node:test';
import { closeServer, listen } from './listen';

test('listen: the bound address, or the listen error (EADDRINUSE) for the caller to name the fix', async () => {
  const taken = createTcpServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  try {
    const port = (taken.address() as AddressInfo).port;
    await assert.rejects(listen(createServer({}), port, '127.0.0.1'), (e: NodeJS.ErrnoException) => e.code === 'EADDRINUSE');
    const s = createServer({});
    const a = await listen(s, 0, '127.0.0.1');
    assert.ok(a.port > 0 && a.port !== port);
    await closeServer(s);
    assert.equal(s.listening, false);
  } finally {
    taken.close();
  }
});
