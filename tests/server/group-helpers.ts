/**
 * Groups over the real API, for groups.test.ts and groups-scale-out.test.ts: create, change,
 * send, read history, and collect what each socket received.
 */
import { randomUUID } from 'node:crypto';
import type { ConversationSummary, Message, ServerToClientEvents } from '@pigeon/sync-protocol';
import { http, register, type ClientSocket, type HttpResult, type TestUser } from './helpers.ts';

export interface GroupAnswer {
  conversation: ConversationSummary;
  message?: Message | null;
  error?: { code: string; message: string };
}

export const createGroup = (url: string, token: string, memberIds: string[], title = 'Group', clientId: string = randomUUID()) =>
  http<GroupAnswer>(url, '/api/conversations', { token, json: { clientId, title, memberIds } });

const path = (id: string, rest = '') => `/api/conversations/${encodeURIComponent(id)}${rest}`;

export const getGroup = (url: string, token: string, id: string) => http<GroupAnswer>(url, path(id), { token });

export const renameGroup = (url: string, token: string, id: string, title: string, clientId?: string) =>
  http<GroupAnswer>(url, path(id), { method: 'PATCH', token, json: { title, ...(clientId ? { clientId } : {}) } });

export const addMembers = (url: string, token: string, id: string, userIds: string[], clientId?: string) =>
  http<GroupAnswer>(url, path(id, '/members'), { token, json: { userIds, ...(clientId ? { clientId } : {}) } });

export const removeMember = (url: string, token: string, id: string, userId: string, clientId?: string) =>
  http<GroupAnswer>(url, path(id, `/members/${encodeURIComponent(userId)}${clientId ? `?clientId=${clientId}` : ''}`), { method: 'DELETE', token });

export const promoteMember = (url: string, token: string, id: string, userId: string, clientId?: string) =>
  http<GroupAnswer>(url, path(id, `/members/${encodeURIComponent(userId)}`), { method: 'PATCH', token, json: { role: 'admin', ...(clientId ? { clientId } : {}) } });

export const sendToGroup = (url: string, token: string, conversationId: string, body: string, clientId: string = randomUUID()) =>
  http<{ message: Message }>(url, '/api/messages', { token, json: { clientId, conversationId, body } });

export const sendToGroupOverSocket = (socket: ClientSocket, conversationId: string, body: string, clientId: string = randomUUID()) =>
  socket.timeout(10_000).emitWithAck('send-message', { clientId, conversationId, body });

export const receiptsOf = (url: string, token: string, messageId: string) =>
  http<{ receipts: { userId: string; deliveredAt: string | null; readAt: string | null }[] }>(url, `/api/messages/${messageId}/receipts`, { token });

/** Every message of a group the caller may read, following history cursors. */
export async function groupHistory(url: string, token: string, id: string): Promise<Message[]> {
  const all: Message[] = [];
  let before: string | null = null;
  do {
    const q: string = `/api/messages/conversation?id=${encodeURIComponent(id)}&limit=200${before ? `&before=${before}` : ''}`;
    const res: HttpResult<{ messages: Message[]; nextCursor: string | null }> = await http(url, q, { token });
    if (res.status !== 200) throw new Error(`history failed: ${res.status} ${JSON.stringify(res.body)}`);
    all.unshift(...res.body.messages);
    before = res.body.nextCursor;
  } while (before);
  return all;
}

/** A tuple of `N` T's, so `const [a, b] = await registerMany(url, 2)` types both as defined. */
type Tuple<T, N extends number, R extends T[] = []> = R['length'] extends N ? R : Tuple<T, N, [...R, T]>;

/** `n` users, registered a few at a time (password hashing is the slow part). */
export async function registerMany<N extends number>(url: string, n: N, prefix = 'g'): Promise<Tuple<TestUser, N>> {
  const users: TestUser[] = [];
  while (users.length < n) users.push(...(await Promise.all(Array.from({ length: Math.min(16, n - users.length) }, () => register(url, prefix)))));
  return users as Tuple<TestUser, N>;
}

/** What one socket received of the group events, in order. */
export interface Inbox {
  messages: Message[];
  bodies(): string[];
  /**
   * The bodies in seq order, the order a device shows them. Live events sent from two nodes reach a
   * socket in either order (one comes through Redis, the other from its own node): devices order by
   * seq and fetch what a gap says they missed, so a test across nodes compares this.
   */
  bodiesBySeq(): string[];
  statuses: Parameters<ServerToClientEvents['message-status']>[0][];
  typing: string[];
  updates: Parameters<ServerToClientEvents['conversation-updated']>[0][];
}

const bodyOf = (m: Message): string => (m.type === 'system' ? `[${m.system?.kind}]` : m.body);

export function inbox(socket: ClientSocket): Inbox {
  const box: Inbox = {
    messages: [],
    bodies: () => box.messages.map(bodyOf),
    bodiesBySeq: () => [...box.messages].sort((a, b) => a.seq - b.seq).map(bodyOf),
    statuses: [],
    typing: [],
    updates: [],
  };
  socket.on('new-message', ({ message }) => box.messages.push(message));
  socket.on('message-status', (e) => box.statuses.push(e));
  socket.on('typing', (e) => box.typing.push(`typing ${e.from} ${e.conversationId}`));
  socket.on('typing-stopped', (e) => box.typing.push(`stopped ${e.from} ${e.conversationId}`));
  socket.on('conversation-updated', (e) => box.updates.push(e));
  return box;
}
