import { Worker } from 'node:worker_threads';

/** What checkpoint-worker.mjs is given. */
interface CheckpointWorkerData {
  file: string;
  intervalMs: number;
}
/** 'ready' once its connection is open, 'stopped' after 'stop' (then the thread ends). */
type CheckpointWorkerMessage = 'ready' | 'stopped';

export interface CheckpointThread {
  /** Resolves once its connection is closed (at once if the thread already ended). */
  stop(): Promise<void>;
}

export interface CheckpointThreadOptions {
  file: string;
  intervalMs: number;
  /** The thread failed; the store keeps working (the writer checkpoints by itself again). */
  onError(err: Error): void;
  /** Tests only: receives the thread. */
  onWorker?: (worker: Worker) => void;
}

/** Starts the background checkpointer (../checkpointer.mjs) on its own thread; resolves once its connection is open. */
export async function startCheckpointThread({ file, intervalMs, onError, onWorker }: CheckpointThreadOptions): Promise<CheckpointThread> {
  const worker = new Worker(new URL('./checkpoint-worker.mjs', import.meta.url), {
    workerData: { file, intervalMs } satisfies CheckpointWorkerData,
    name: 'pigeon-sqlite-checkpoint',
  });
  onWorker?.(worker);
  let ended = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => ((ended = true), resolve())));

  await new Promise<void>((resolve, reject) => {
    worker.once('message', (msg: CheckpointWorkerMessage) => (msg === 'ready' ? resolve() : reject(new Error(`unexpected ${msg}`))));
    worker.once('error', reject);
    void exited.then(() => reject(new Error('checkpoint thread exited while starting')));
  }).catch(async (err: unknown) => {
    await worker.terminate();
    throw err;
  });
  worker.on('error', (err) => onError(err));

  let stopping: Promise<void> | null = null;
  return {
    stop() {
      stopping ??= (async () => {
        if (ended) return;
        worker.postMessage('stop');
        // 'stopped' comes after the connection closed; the thread then ends by itself.
        await Promise.race([new Promise((resolve) => worker.once('message', resolve)), exited]);
        await worker.terminate();
      })();
      return stopping;
    },
  };
}
