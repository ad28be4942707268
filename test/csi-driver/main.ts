// Runs the test CSI driver as its own process:
//   node --import tsx test/csi-driver/main.ts --socket /path/csi.sock --root /path/state [--name N] [--node-id ID]
// Serves until SIGTERM or SIGINT, then removes its socket.
import { parseArgs } from 'node:util';
import { startTestCsiDriver } from './server';

const { values } = parseArgs({
  options: {
    socket: { type: 'string' },
    root: { type: 'string' },
    name: { type: 'string' },
    'node-id': { type: 'string' },
  },
});
if (!values.socket || !values.root) {
  console.error('usage: main.ts --socket PATH --root DIR [--name NAME] [--node-id ID]');
  process.exit(2);
}
const driver = await startTestCsiDriver({
  socket: values.socket,
  root: values.root,
  ...(values.name ? { name: values.name } : {}),
  ...(values['node-id'] ? { nodeId: values['node-id'] } : {}),
});
console.log(`${driver.name} serving on ${driver.socket}`);
const stop = () => void driver.stop().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
