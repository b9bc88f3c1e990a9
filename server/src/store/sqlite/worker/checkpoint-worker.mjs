// The background checkpointer's thread (checkpoint-thread.ts starts it): one PASSIVE
// checkpoint every `intervalMs` until told to 'stop'. Plain JavaScript, see ../checkpointer.mjs.
import { parentPort, workerData } from 'node:worker_threads';
import { openCheckpointer } from '../checkpointer.mjs';

const port = parentPort;
if (!port) throw new Error('checkpoint-worker.mjs must run in a worker thread');
const { file, intervalMs } = workerData;

const checkpointer = openCheckpointer(file);
// An error thrown here ends the thread; the parent reports it and the writer's own
// automatic checkpoint carries on alone.
const timer = setInterval(() => checkpointer.round(), intervalMs);
port.on('message', (msg) => {
  if (msg !== 'stop') return;
  clearInterval(timer);
  checkpointer.close();
  port.postMessage('stopped');
  port.close();
});
port.postMessage('ready');
