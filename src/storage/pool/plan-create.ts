// Pure: what a create request means (size, filesystem, source) and whether an existing volume
// is the same request again (idempotent) or a conflicting one.
import { PoolError } from './errors';
import type { SnapshotRecord, VolumeDriverKind, VolumeRecord, VolumeSource } from './records';
import { BLOCK_MIN_BYTES, formatBytes, roundUpMiB } from './sizes';

export interface CreateVolumeOptions {
  driver: VolumeDriverKind;
  /** Rounded up to MiB. 0n: the source's size, or for a dir volume no limit. */
  sizeBytes: bigint;
  /** block: 'ext4' (default) or 'none' (raw device). dir: '' or omitted. */
  fsType?: string;
  labels?: Record<string, string>;
  options?: Record<string, string>;
  from?: VolumeSource;
}

export type CreatePlan = Pick<VolumeRecord, 'driver' | 'sizeBytes' | 'fsType' | 'labels' | 'options' | 'source' | 'fsSizedFor'>;

const invalid = (m: string): PoolError => new PoolError('InvalidArgument', m);

/** `src`: the record of opts.from (undefined when it does not exist). */
export function resolveCreate(name: string, opts: CreateVolumeOptions, src: VolumeRecord | SnapshotRecord | undefined): CreatePlan {
  const { driver } = opts;
  if (driver !== 'dir' && driver !== 'block') throw invalid(`Invalid driver "${String(driver)}" for volume ${name}; use dir or block`);
  let fsType = opts.fsType ?? (driver === 'block' ? 'ext4' : '');
  if (driver === 'dir' && fsType !== '') throw invalid(`Invalid fsType "${fsType}" for dir volume ${name}: a directory has no filesystem of its own; omit fsType or use a block volume`);
  if (driver === 'block' && fsType !== 'ext4' && fsType !== 'none') throw invalid(`Invalid fsType "${fsType}" for block volume ${name}; use ext4, or none for a raw device`);
  if (opts.sizeBytes < 0n) throw new PoolError('OutOfRange', `Invalid size ${opts.sizeBytes} for volume ${name}; give a positive number of bytes`);
  let size = roundUpMiB(opts.sizeBytes);
  let fsSizedFor: bigint | undefined = driver === 'block' && fsType === 'ext4' ? size : undefined;
  if (opts.from) {
    const what = 'snapshot' in opts.from ? `snapshot ${opts.from.snapshot}` : `volume ${opts.from.volume}`;
    if (!src) throw new PoolError('NotFound', `Cannot create volume ${name} from ${what}: it does not exist; check the name (docker volume ls / kubectl get volumesnapshot)`);
    if (src.driver !== driver) throw invalid(`Cannot create ${driver} volume ${name} from ${what}: it is a ${src.driver} volume; create a ${src.driver} volume from it`);
    if (opts.fsType !== undefined && opts.fsType !== src.fsType) throw invalid(`Cannot create volume ${name} with fsType ${opts.fsType} from ${what}, which has ${src.fsType || 'no filesystem'}; omit fsType`);
    fsType = src.fsType;
    if (size === 0n) size = src.sizeBytes;
    if (size < src.sizeBytes) throw new PoolError('OutOfRange', `Cannot create volume ${name} of ${formatBytes(size)} from ${what} of ${formatBytes(src.sizeBytes)}; ask for at least ${formatBytes(src.sizeBytes)}`);
    fsSizedFor = src.fsSizedFor;
  }
  if (driver === 'block') {
    if (size === 0n) throw invalid(`Cannot create block volume ${name} without a size; give one (e.g. --opt size=1G)`);
    if (size < BLOCK_MIN_BYTES) throw new PoolError('OutOfRange', `Cannot create block volume ${name} of ${formatBytes(size)}; the minimum is ${formatBytes(BLOCK_MIN_BYTES)}`);
  }
  return {
    driver,
    sizeBytes: size,
    fsType,
    labels: { ...(opts.labels ?? {}) },
    options: { ...(opts.options ?? {}) },
    ...(opts.from ? { source: 'snapshot' in opts.from ? { snapshot: opts.from.snapshot } : { volume: opts.from.volume } } : {}),
    ...(fsSizedFor === undefined ? {} : { fsSizedFor }),
  };
}

const sameMap = (a: Record<string, string>, b: Record<string, string>): boolean => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
const sourceText = (s: VolumeRecord['source']): string => (s === undefined ? 'no source' : 'snapshot' in s ? `source snapshot ${s.snapshot}` : `source volume ${s.volume}`);

/** How `existing` differs from the plan ("size 32Mi"), or undefined when they are the same. */
export function createDifference(existing: VolumeRecord, plan: CreatePlan): string | undefined {
  if (existing.driver !== plan.driver) return `driver ${existing.driver}`;
  if (existing.sizeBytes !== plan.sizeBytes) return `size ${formatBytes(existing.sizeBytes)} (asked: ${formatBytes(plan.sizeBytes)})`;
  if (existing.fsType !== plan.fsType) return `fsType ${existing.fsType}`;
  if (sourceText(existing.source) !== sourceText(plan.source)) return sourceText(existing.source);
  if (!sameMap(existing.labels, plan.labels)) return 'other labels';
  if (!sameMap(existing.options, plan.options)) return 'other options';
  return undefined;
}
