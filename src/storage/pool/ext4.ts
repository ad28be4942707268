// ext4 on block volumes: made fast (no discard, lazy inode tables, no reserved blocks), grown
// offline with e2fsck + resize2fs, or online with resize2fs on the mounted device, which needs
// CAP_SYS_RESOURCE: without it the kernel answers EPERM and the result says so instead of throwing.
import { runTool, runToolRaw, toolError } from './exec';

export async function mkfsExt4(target: string): Promise<void> {
  await runTool('mkfs.ext4', ['-q', '-F', '-m', '0', '-E', 'nodiscard,lazy_itable_init=1', target], 'check that e2fsprogs is installed (apt-get install e2fsprogs) and the image is writable');
}

/** Grows the (unmounted) filesystem on `dev` to fill it. */
export async function growOffline(dev: string): Promise<void> {
  const args = ['-f', '-p', dev];
  const r = await runToolRaw('e2fsck', args);
  // 1 and 2: errors were corrected; 4 and up: errors left, which resize2fs must not touch.
  if (!r.ok && (r.exitCode === undefined || r.exitCode >= 4)) {
    throw toolError('e2fsck', args, r, `the filesystem needs repair before it can grow; run e2fsck -f ${dev} by hand`);
  }
  await runTool('resize2fs', [dev], 'the filesystem stays at its old size; check dmesg for ext4 errors');
}

export type OnlineGrowResult = { grown: true } | { grown: false; reason: string };

/** Grows the mounted filesystem on `dev`; `grown: false` when the host may not (EPERM). */
export async function growOnline(dev: string): Promise<OnlineGrowResult> {
  const r = await runToolRaw('resize2fs', [dev]);
  if (r.ok) return { grown: true };
  if (/Permission denied|Operation not permitted/i.test(r.stderr)) return { grown: false, reason: r.stderr.split('\n').at(-1) ?? r.stderr };
  throw toolError('resize2fs', [dev], r, 'check dmesg for ext4 errors');
}
