/**
 * Raw Socket.io senders (no engine, no IndexedDB), used to fill a server before a
 * figure and as the baseline of the outbox figure. Every ack is checked: ok, once.
 */
import { io, type Socket } from 'socket.io-client';
import type { BenchUser } from './load.ts';

export interface BurstPlan {
  sender: BenchUser;
  to: string;
  count: number;
}

export interface BurstResult {
  sent: number;
  acked: number;
  ms: number;
  errors: string[];
}

export function connectSocket(url: string, user: BenchUser): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = io(url, { forceNew: true, transports: ['websocket'], reconnection: false, auth: { token: user.token } });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (e) => reject(new Error(`connect ${user.id}: ${e.message}`)));
  });
}

/**
 * Sends every plan's messages; `lanes` of each plan run side by side with one send
 * awaiting its ack per lane (lanes = 1 is strict order, like the engine's drainer). `body`: the
 * text of a plan's message `i` (a short filler unless the figure needs chat-like text).
 */
export async function sendBurst(url: string, plans: BurstPlan[], lanes: number, tag: string, body: (i: number, count: number) => string = (i, count) => `burst ${i} of ${count}`): Promise<BurstResult> {
  const sockets = new Map<string, Socket>();
  for (const p of plans) if (!sockets.has(p.sender.id)) sockets.set(p.sender.id, await connectSocket(url, p.sender));
  const errors: string[] = [];
  let sent = 0;
  let acked = 0;
  const t0 = performance.now();
  await Promise.all(
    plans.flatMap((p, pi) =>
      Array.from({ length: lanes }, async (_, lane) => {
        const socket = sockets.get(p.sender.id)!;
        for (let i = lane; i < p.count; i += lanes) {
          const clientId = `${tag}-${pi}-${i}`.padEnd(8, '_');
          sent++;
          const res = await new Promise<{ ok: boolean; code?: string }>((resolve) => {
            let done = false;
            socket.timeout(30_000).emit('send-message', { clientId, to: p.to, body: body(i, p.count) }, (err: Error | null, r: { ok: boolean; code?: string }) => {
              if (done) return void errors.push(`${clientId}: acked twice`);
              done = true;
              resolve(err ? { ok: false, code: `timeout: ${err.message}` } : r);
            });
          });
          if (res.ok) acked++;
          else if (errors.length < 1000) errors.push(`${clientId}: ${res.code}`);
        }
      }),
    ),
  );
  const ms = performance.now() - t0;
  for (const s of sockets.values()) s.disconnect();
  return { sent, acked, ms, errors };
}
