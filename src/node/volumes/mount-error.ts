// A volume that could not be set up. The message reads as the kubelet's FailedMount event does:
//   MountVolume.SetUp failed for volume "cfg" : configmap "x" not found

export class VolumeMountError extends Error {
  /** Every volume of the pod that failed in the same setUp (this one first). */
  readonly all: VolumeMountError[];

  constructor(
    readonly volume: string,
    readonly reason: string,
    others: VolumeMountError[] = [],
  ) {
    super(`MountVolume.SetUp failed for volume "${volume}" : ${reason}`);
    this.name = 'VolumeMountError';
    this.all = [this, ...others];
  }
}
