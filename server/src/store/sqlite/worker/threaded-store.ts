import { Worker } from 'node:worker_threads';
import { PigeonError } from '@pigeon/sync-protocol';
import type { Store } from '../../store.ts';
import type { SqliteStoreOptions } from '../sqlite-store.ts';
import { fromWireError, STORE_CALLS, type StoreCall, type WorkerCall, type WorkerReady, type WorkerRequest, type WorkerResponse } from './rpc.ts';
import { unpackActionOutcomes, type PackedActionOutcome } from './action-codec.ts';
import { packBatch, unpackOutcomes, type PackedOutcome } from './send-codec.ts';
import type { StoreWorkerData } from './store-worker.ts';
import { startCheckpointThread, type CheckpointThread } from './checkpoint-thread.ts';
import { storeWorkerUrl } from './worker-bundle.ts';

/** How often the background checkpointer copies the WAL into the main file. */
export const CHECKPOINT_INTERVAL_MS = 100;

export interface ThreadedSqliteStoreOptions extends SqliteStoreOptions {
  /** Background checkpoints (../checkpointer.mjs) every this many ms; 0: none, the writer checkpoints itself. */
  checkpointIntervalMs?: number;
  /** The background checkpointer failed or could not start; the store keeps working without it. */
  onCheckpointError?: (err: Error) => void;
  /** Tests only: receives the thread, e.g. to terminate it like a crash would. */
  onWorker?: (worker: Worker) => void;
  /** Tests only: receives the checkpointer's thread. */
  onCheckpointWorker?: (worker: Worker) => void;
}

interface Waiting {
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/**
 * The SQLite store on a worker thread (store-worker.ts): same Store contract,
 * but every call is a message, so the event loop keeps reading sockets and
 * writing acks while a group commit and its fsync run on the other core.
 * Calls are answered in the order they were made.
 *
 * If the thread dies, every waiting and later call fails with UNAVAILABLE:
 * nothing is acked that was not committed.
 */
export async function createThreadedSqliteStore(options: ThreadedSqliteStoreOptions): Promise<Store> {
  const { file, onWorker, checkpointIntervalMs = CHECKPOINT_INTERVAL_MS, onCheckpointError = () => {} } = options;
  const worker = new Worker(await storeWorkerUrl(), {
    workerData: { file } satisfies StoreWorkerData,
    name: 'pigeon-sqlite-store',
  });
  onWorker?.(worker);
  const waiting = new Map<number, Waiting>();
  let nextId = 1;
  let failure: Error | null = null;
  let closing: Promise<void> | null = null;

  /** The background checkpointer, while it starts and once it runs (null: none, or it failed to start). */
  let checkpoints: Promise<CheckpointThread | null> = Promise.resolve(null);

  const failAll = (err: Error) => {
    failure ??= err;
    void checkpoints.then((c) => c?.stop());
    for (const w of waiting.values()) w.reject(failure);
    waiting.clear();
  };

  await new Promise<void>((resolve, reject) => {
    const onExit = (code: number) => reject(new PigeonError('UNAVAILABLE', `SQLite worker exited with code ${code} while opening ${file}`));
    worker.once('error', reject);
    worker.once('exit', onExit);
    worker.once('message', (msg: WorkerReady) => {
      worker.off('error', reject);
      worker.off('exit', onExit);
      if (msg.ready) resolve();
      else reject(fromWireError(msg.error));
    });
  }).catch(async (err: unknown) => {
    await worker.terminate();
    throw err;
  });

  worker.on('message', (res: WorkerResponse) => {
    const w = waiting.get(res.id);
    if (!w) return;
    waiting.delete(res.id);
    if (res.ok) w.resolve(res.value);
    else w.reject(fromWireError(res.error));
  });
  worker.on('error', (err) => failAll(new PigeonError('UNAVAILABLE', `SQLite worker failed: ${err.message}`)));
  worker.on('exit', (code) => failAll(new PigeonError('UNAVAILABLE', `SQLite worker exited (code ${code})`)));

  // Started once the writer has created the file and its schema, and not waited for: the writer
  // checkpoints by itself too (database.ts), so the store serves at once. Waiting for the thread
  // to open its connection doubled the time a store took to open (≈ 60 → 130 ms).
  if (checkpointIntervalMs > 0) {
    checkpoints = startCheckpointThread({
      file,
      intervalMs: checkpointIntervalMs,
      onError: onCheckpointError,
      onWorker: options.onCheckpointWorker,
    }).catch((err: unknown) => {
      onCheckpointError(err instanceof Error ? err : new Error(String(err)));
      return null;
    });
  }

  const request = (msg: WorkerCall): Promise<unknown> => {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      worker.postMessage({ ...msg, id } satisfies WorkerRequest);
    });
  };

  const call =
    <K extends StoreCall>(name: K) =>
    (...args: Parameters<Store[K]>) =>
      request({ call: name, args }) as ReturnType<Store[K]>;

  const calls = Object.fromEntries(STORE_CALLS.map((name) => [name, call(name)])) as Pick<Store, StoreCall>;

  return {
    kind: 'sqlite',
    ...calls,
    unavailableReason: () => failure?.message ?? null,
    async sendMessages(batch) {
      if (batch.length === 0) return [];
      const packed = (await request({ call: 'sendMessages', args: [packBatch(batch)] })) as PackedOutcome[];
      return unpackOutcomes(batch, packed);
    },
    async applyActions(batch) {
      if (batch.length === 0) return [];
      // Refusals cross as wire errors, so they come back as PigeonErrors with their code.
      return unpackActionOutcomes((await request({ call: 'applyActions', args: [batch] })) as PackedActionOutcome[]);
    },
    close() {
      closing ??= (async () => {
        let closeError: unknown = null;
        // First, so the writer is the last connection: its close checkpoints everything and removes the WAL.
        await (await checkpoints)?.stop();
        // A worker that already died has nothing left to flush.
        if (!failure) await request({ call: 'close' }).catch((err: unknown) => (closeError = err));
        // The thread ends on its own once the port is closed; terminate() is for a wedged one.
        await worker.terminate();
        if (closeError) throw closeError;
      })();
      return closing;
    },
  };
}
