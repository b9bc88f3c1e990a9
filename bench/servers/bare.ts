/**
 * Baseline server: a bare Socket.io server on the same machine that acks and
 * forwards `send-message` with no storage, no validation and no auth beyond
 * taking the handshake token as the user id. Same event names and payload
 * shapes as Pigeon, so the same load generator drives both.
 *
 * Groups (figure 9): the bench names them (`createGroups` over IPC); the members' sockets
 * join the group's room at once (as Pigeon's do when a group is created), a socket connecting
 * later in its handshake, and a `send-message { conversationId }` is acked and broadcast to
 * that room minus the sending socket (Pigeon's fan-out), with no membership check.
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
  to?: string;
  conversationId?: string;
  body: string;
}

const http = createServer();
const io = new Server(http, { maxHttpBufferSize: 64 * 1024, serveClient: false });
let nextId = 1;
const seqs = new Map<string, number>();
/** userId → the groups whose rooms its sockets join. */
const groupsOf = new Map<string, string[]>();

io.use((socket, next) => {
  const token = (socket.handshake.auth as { token?: unknown }).token;
  if (typeof token !== 'string' || !token) return next(new Error('UNAUTHENTICATED'));
  socket.data.userId = token;
  next();
});

io.on('connection', (socket) => {
  const userId = socket.data.userId as string;
  void socket.join([userId, ...(groupsOf.get(userId) ?? [])]);
  socket.on('send-message', (p: SendPayload, ack: (res: unknown) => void) => {
    const group = p.conversationId;
    const conversationId = group ?? directConversationId(userId, p.to!);
    const seq = (seqs.get(conversationId) ?? 0) + 1;
    seqs.set(conversationId, seq);
    const message = {
      id: String(nextId++),
      clientId: p.clientId,
      conversationId,
      senderId: userId,
      recipientId: group ?? p.to!,
      body: p.body,
      seq,
      createdAt: new Date().toISOString(),
      status: 'sent' as const,
      type: 'text' as const,
    };
    ack({ ok: true, message });
    socket.to(group ?? p.to!).emit('new-message', { message });
  });
  socket.on('message-received', (_p: unknown, ack?: (res: unknown) => void) => ack?.({ ok: true }));
});

http.listen(0, '127.0.0.1', () => {
  const { port } = http.address() as AddressInfo;
  serveRpc(
    {
      count: () => ({ messages: nextId - 1 }),
      createGroups: (args) => {
        for (const g of (args as { groups: Array<{ id: string; members: string[] }> }).groups)
          for (const m of g.members) {
            groupsOf.set(m, [...(groupsOf.get(m) ?? []), g.id]);
            io.in(m).socketsJoin(g.id);
          }
        return { ok: true };
      },
    },
    () => new Promise<void>((resolve) => io.close(() => resolve())),
  );
  emitToParent('ready', { url: `http://127.0.0.1:${port}`, port });
});
