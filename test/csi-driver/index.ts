// The test CSI driver (csi.test.berth.dev) for unit and e2e tests: in-process or as a child process.
export { startTestCsiDriver, TEST_CSI_DRIVER_NAME, type TestCsiDriver, type TestCsiDriverOptions } from './server';
export { spawnTestCsiDriver, type SpawnedCsiDriver } from './spawn';
