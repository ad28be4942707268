import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runTool } from './exec';

test('runTool: failures name the command, its exit code, stderr and the fix', async () => {
  assert.equal(await runTool('echo', ['hi']), 'hi\n');
  await assert.rejects(runTool('sh', ['-c', 'echo oops >&2; exit 3'], 'do the fix'), (e: Error & { kind: string }) => e.kind === 'CommandFailed' && e.message === 'sh -c echo oops >&2; exit 3 failed (exit 3): oops; do the fix');
  await assert.rejects(runTool('berth-no-such-tool', []), /Cannot run berth-no-such-tool: it is not installed/);
  await assert.rejects(runTool('mkfs.ext4', ['-q', '/nonexistent/x.img']), /mkfs.ext4 -q \/nonexistent\/x.img failed \(exit 1\): \S/);
});
