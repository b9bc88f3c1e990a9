import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from '../../start-server.ts';
import { createThreadedSqliteStore } from '../../store/sqlite/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'pigeon-health-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('GET /api/health', () => {
  it('turns 503 UNAVAILABLE when the store can no longer take calls', async () => {
    let thread!: Worker;
    const store = await createThreadedSqliteStore({ file: join(dir, 'pigeon.sqlite'), onWorker: (w) => (thread = w) });
    const server = await startServer({ port: 0, dataDir: dir, store, logLevel: 'silent' });
    try {
      expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
      await thread.terminate();
      const res = await fetch(`${server.url}/api/health`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ error: { code: 'UNAVAILABLE', message: expect.stringMatching(/^store unavailable: /) } });
    } finally {
      await server.close();
      await store.close();
    }
  });
});
