/**
 * Message actions (contract v2) over either transport, for the actions*.test.ts suites: one
 * call shape for REST and Socket.io, answers normalized to the socket's ack (`{ ok: true, message }`
 * or `{ ok: false, code, message }`, plus the HTTP status for REST), so every rule is checked on both.
 */
import { randomUUID } from 'node:crypto';
import type { Message } from '@pigeon/sync-protocol';
import { http, record, type ClientSocket } from './helpers.ts';

export type Via = 'rest' | 'socket';
export const TRANSPORTS: Via[] = ['rest', 'socket'];

export type ActionAnswer = { ok: true; message: Message; status?: number } | { ok: false; code: string; message: string; status?: number };

/** Who acts: REST uses the token, the socket transport this socket (the "acting socket"). */
export interface Actor {
  token: string;
  socket: ClientSocket;
}

type Kind = 'react' | 'edit' | 'delete' | 'hide';
const EVENT = { react: 'react', edit: 'edit-message', delete: 'delete-message', hide: 'hide-message' } as const;

/** Any action with a raw payload (so tests can send malformed ones): `{ clientId, messageId, emoji | body }`. */
export async function act(via: Via, url: string, actor: Actor, kind: Kind, payload: Record<string, unknown>): Promise<ActionAnswer> {
  if (via === 'socket') {
    const timed = actor.socket.timeout(10_000) as unknown as { emitWithAck(event: string, p: unknown): Promise<ActionAnswer> };
    return timed.emitWithAck(EVENT[kind], payload);
  }
  const { messageId, clientId, ...rest } = payload;
  const path = `/api/messages/${encodeURIComponent(String(messageId))}`;
  const token = actor.token;
  const withId = clientId === undefined ? rest : { clientId, ...rest };
  const res =
    kind === 'react'
      ? await http(url, `${path}/reaction`, { method: 'PUT', token, json: withId })
      : kind === 'edit'
        ? await http(url, path, { method: 'PATCH', token, json: withId })
        : kind === 'delete'
          ? await http(url, `${path}${clientId === undefined ? '' : `?clientId=${encodeURIComponent(String(clientId))}`}`, { method: 'DELETE', token })
          : await http(url, `${path}/hide`, { token, json: withId });
  if (res.status === 200) return { ok: true, message: res.body.message, status: 200 };
  return { ok: false, code: res.body?.error?.code, message: res.body?.error?.message, status: res.status };
}

export const react = (via: Via, url: string, actor: Actor, messageId: string, emoji: string, clientId = randomUUID()) =>
  act(via, url, actor, 'react', { clientId, messageId, emoji });
export const edit = (via: Via, url: string, actor: Actor, messageId: string, body: string, clientId = randomUUID()) =>
  act(via, url, actor, 'edit', { clientId, messageId, body });
export const remove = (via: Via, url: string, actor: Actor, messageId: string, clientId = randomUUID()) =>
  act(via, url, actor, 'delete', { clientId, messageId });
export const hide = (via: Via, url: string, actor: Actor, messageId: string, clientId = randomUUID()) =>
  act(via, url, actor, 'hide', { clientId, messageId });

/** The message of an answer that must have succeeded. */
export function accepted(answer: ActionAnswer): Message {
  if (!answer.ok) throw new Error(`action refused: ${answer.code} ${answer.message}`);
  return answer.message;
}

/** The refusal as `{ code, status }` (status only for REST), for one `toEqual` on either transport. */
export function refusal(answer: ActionAnswer): { code: string; status?: number } {
  if (answer.ok) return { code: 'accepted' };
  return answer.status === undefined ? { code: answer.code } : { code: answer.code, status: answer.status };
}

/** The expected refusal on a transport: the code, and for REST its HTTP status. */
export const refused = (via: Via, code: string, status: number) => (via === 'rest' ? { code, status } : { code });

/** Starts recording a socket's `message-updated` events; the returned function lists their messages so far. */
export function updatesOf(socket: ClientSocket): () => Message[] {
  const seen = record(socket, 'message-updated');
  return () => seen.map((e) => e.message);
}
