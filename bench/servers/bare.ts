/**
 * Baseline server: a bare Socket.io server on the same machine that acks and
 * forwards `send-message` with no storage, no validation and no auth beyond
 * taking the handshake token as the user id. Same event names and payload
 * shapes as Pigeon, so the same load generator drives both.
 *
 * Run as a child of the bench (IPC): emits `ready` { url, port }.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { directConversationId } from '@pigeon/sync-protocol';
import { emitToParent, serveRpc } from '../lib/procs.ts';

interface SendPayload {
  clientId: string;
  to: string;
  body: string;
}

const http = createServer();
const io = new Server(http, { maxHttpBufferSize: 64 * 1024, serveClient: false });
let nextId = 1;
const seqs = new Map<string, number>();

io.use((socket, next) => {
  const token = (socket.handshake.auth as { token?: unknown }).token;
  if (typeof token !== 'string' || !token) return next(new Error('UNAUTHENTICATED'));
  socket.data.userId = token;
  next();
});

io.on('connection', (socket) => {
  const userId = socket.data.userId as string;
  void socket.join(userId);
  socket.on('send-message', (p: SendPayload, ack: (res: unknown) => void) => {
    const conversationId = directConversationId(userId, p.to);
    const seq = (seqs.get(conversationId) ?? 0) + 1;
    seqs.set(conversationId, seq);
    const message = {
      id: String(nextId++),
      clientId: p.clientId,
      conversationId,
      senderId: userId,
      recipientId: p.to,
      body: p.body,
      seq,
      createdAt: new Date().toISOString(),
      status: 'sent' as const,
    };
    ack({ ok: true, message });
    socket.to(p.to).emit('new-message', { message });
  });
  socket.on('message-received', (_p: unknown, ack?: (res: unknown) => void) => ack?.({ ok: true }));
});

http.listen(0, '127.0.0.1', () => {
  const { port } = http.address() as AddressInfo;
  serveRpc(
    { count: () => ({ messages: nextId - 1 }) },
    () => new Promise<void>((resolve) => io.close(() => resolve())),
  );
  emitToParent('ready', { url: `http://127.0.0.1:${port}`, port });
});
