import { runBackendSuite } from './backend-suite';
import { MemoryBackend } from './memory';

runBackendSuite('memory://', async () => ({ backend: new MemoryBackend(), cleanup: async () => undefined }));
