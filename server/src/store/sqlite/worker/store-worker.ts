import { parentPort, workerData } from 'node:worker_threads';
import { createSqliteStore } from '../sqlite-store.ts';
import { packActionOutcomes } from './action-codec.ts';
import { packOutcomes, unpackBatch, type PackedBatch } from './send-codec.ts';
import { isStoreCall, toWireError, type WorkerReady, type WorkerRequest, type WorkerResponse } from './rpc.ts';

/**
 * The SQLite store's own thread. better-sqlite3 is synchronous: on the server's
 * event loop a group commit (hundreds of inserts plus an fsync) would stop every
 * socket for its whole duration. Here it only stops this thread, and requests are
 * answered strictly in arrival order, one at a time — the same serial order the
 * store had on the main thread.
 */
export interface StoreWorkerData {
  file: string;
}

const port = parentPort;
if (!port) throw new Error('store-worker.ts must run in a worker thread');

const { file } = workerData as StoreWorkerData;

try {
  const store = await createSqliteStore({ file });
  port.on('message', (req: WorkerRequest) => {
    void answer(req).then((res) => {
      port.postMessage(res);
      // After close's answer is out: an empty event loop lets the thread end by itself.
      if (req.call === 'close') port.close();
    });
  });

  async function answer(req: WorkerRequest): Promise<WorkerResponse> {
    try {
      if (req.call === 'close') {
        await store.close();
        return { id: req.id, ok: true, value: undefined };
      }
      if (!isStoreCall(req.call)) throw new Error(`unknown store call ${String(req.call)}`);
      if (req.call === 'sendMessages') {
        const outcomes = await store.sendMessages(unpackBatch(req.args[0] as PackedBatch));
        return { id: req.id, ok: true, value: packOutcomes(outcomes) };
      }
      if (req.call === 'applyActions') {
        const outcomes = await store.applyActions(req.args[0] as Parameters<typeof store.applyActions>[0]);
        return { id: req.id, ok: true, value: packActionOutcomes(outcomes) };
      }
      const fn = store[req.call] as (...args: unknown[]) => Promise<unknown>;
      return { id: req.id, ok: true, value: await fn.apply(store, req.args) };
    } catch (err) {
      return { id: req.id, ok: false, error: toWireError(err) };
    }
  }
  port.postMessage({ ready: true } satisfies WorkerReady);
} catch (err) {
  port.postMessage({ ready: false, error: toWireError(err) } satisfies WorkerReady);
}
