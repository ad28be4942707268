// Child process for the kill -9 durability test: writes until killed, printing each key only after
// its write was acknowledged. Mixes single awaited writes with concurrent groups (group commit).
import { SqliteBackend } from '../sqlite';

const path = process.argv[2];
if (!path) throw new Error('usage: durability-writer.ts DB_PATH');
const store = new SqliteBackend(path);
await store.ready;
process.stdout.write('ready\n');
for (let i = 0; ; i += 4) {
  const keys = [i, i + 1, i + 2, i + 3].map((n) => `/durable/${n}`);
  const first = keys[0] as string;
  await store.create(first, `value-${first}`);
  process.stdout.write(`${first}\n`);
  await Promise.all(
    keys.slice(1).map(async (k) => {
      await store.create(k, `value-${k}`);
      process.stdout.write(`${k}\n`);
    }),
  );
}
