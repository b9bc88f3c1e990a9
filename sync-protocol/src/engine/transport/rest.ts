/**
 * The REST half of the default transport: a thin typed client over `fetch`. Every
 * failure becomes a PigeonError so callers branch on `code`:
 *  - the server's `{ error: { code, message } }` body when there is one,
 *  - UNAVAILABLE with `details.network = true` when the request never got an answer
 *    (offline, DNS, connection refused, or no whole answer within `timeoutMs`) — always
 *    worth retrying.
 * A refused token is simply UNAUTHENTICATED: the engine's auth layer (engine/auth/)
 * refreshes and retries, or signs out. The access token is read on every request, so a
 * refreshed one is used from the next call on.
 */
import type { z } from 'zod';
import { PigeonError } from '../../errors.ts';
import { lazySchema } from '../../lazy-schema.ts';
import { conversationResponseSchema, groupChangeResponseSchema, receiptsResponseSchema } from '../../model/conversation.ts';
import type { CreateGroupBody } from '../../model/group.ts';
import { messageSchema, type Message, type SendMessageInput } from '../../model/message.ts';
import { authResponseSchema, refreshResponseSchema, sessionsResponseSchema, type RefreshResponse } from '../../rest/auth.ts';
import { conversationsResponseSchema, historyResponseSchema, sendMessageResponseSchema } from '../../rest/messages.ts';
import { syncResponseSchema, type SyncOptions } from '../../rest/sync.ts';
import { sendMessagesResponseSchema } from '../../events/send-batch.ts';
import { meResponseSchema, usersResponseSchema } from '../../rest/users.ts';
import { profileResponseSchema, type ProfileUpdate } from '../../rest/profile.ts';
import { muteResponseSchema, mutesResponseSchema, pushConfigResponseSchema, type PushSubscriptionInput } from '../../model/notifications.ts';
import { searchResponseSchema } from '../../model/search.ts';
import { fetchOrNetworkError, refusalOf, whyUnanswered } from './http-errors.ts';
import { networkError, type GroupAnswer, type GroupChange, type MessageActionInput, type SignInResponse } from './transport.ts';

/** A server without sessions answers sign-in without a refresh token; see SignInResponse. */
const signInResponseSchema = lazySchema(() => authResponseSchema.partial({ refreshToken: true }));
/** The contract answers a creation with `{ conversation }`; the group-created message, when a server adds it, saves a catch-up. */
const createGroupResponseSchema = lazySchema(() => conversationResponseSchema.extend({ message: messageSchema.nullable().optional() }));

export interface RestClientOptions {
  baseUrl: string;
  fetch: typeof fetch;
  getToken: () => string | null;
  /**
   * How long a request may take, its body read to the end included (ms); then it is aborted and
   * fails as a network error. On a mobile link a connection can go silent without closing, and
   * `fetch` itself never gives up: a catch-up page or a send would wait for good. Absent: no bound.
   */
  timeoutMs?: number;
}

export class RestClient {
  constructor(private readonly options: RestClientOptions) {}

  register(body: { username: string; password: string; displayName?: string }): Promise<SignInResponse> {
    return this.request('POST', '/api/auth/register', signInResponseSchema, { body, auth: false });
  }

  login(body: { username: string; password: string }): Promise<SignInResponse> {
    return this.request('POST', '/api/auth/login', signInResponseSchema, { body, auth: false });
  }

  refresh(refreshToken: string): Promise<RefreshResponse> {
    return this.request('POST', '/api/auth/refresh', refreshResponseSchema, { body: { refreshToken }, auth: false });
  }

  /** 204 No Content; the token is given, not read from the session (which may be forgotten already). */
  async logout(accessToken: string): Promise<void> {
    await this.request('POST', '/api/auth/logout', null, { bearer: accessToken });
  }

  me() {
    return this.request('GET', '/api/users/me', meResponseSchema);
  }

  /** `PATCH /api/users/me` (rest/profile.ts): values, so a repeat after a lost answer is harmless. */
  updateProfile(change: ProfileUpdate) {
    return this.request('PATCH', '/api/users/me', profileResponseSchema, { body: change });
  }

  searchUsers(q: string) {
    return this.request('GET', `/api/users?${new URLSearchParams({ q })}`, usersResponseSchema);
  }

  /** Profiles by id (an extension of the contract); the caller batches at most LIMITS.groupMembersMax. */
  users(ids: readonly string[]) {
    return this.request('GET', `/api/users?${new URLSearchParams({ ids: ids.join(',') })}`, usersResponseSchema);
  }

  conversations() {
    return this.request('GET', '/api/messages/conversations', conversationsResponseSchema);
  }

  sessions() {
    return this.request('GET', '/api/sessions', sessionsResponseSchema);
  }

  async revokeSession(sessionId: string): Promise<void> {
    await this.request('DELETE', `/api/sessions/${encodeURIComponent(sessionId)}`, null);
  }

  async block(userId: string): Promise<void> {
    await this.request('POST', `/api/users/${encodeURIComponent(userId)}/block`, null);
  }

  async unblock(userId: string): Promise<void> {
    await this.request('DELETE', `/api/users/${encodeURIComponent(userId)}/block`, null);
  }

  blocked() {
    return this.request('GET', '/api/users/blocked', usersResponseSchema);
  }

  history(conversationId: string, before: string | null, limit: number) {
    const q = new URLSearchParams({ id: conversationId, limit: String(limit) });
    if (before) q.set('before', before);
    return this.request('GET', `/api/messages/conversation?${q}`, historyResponseSchema);
  }

  async createGroup(body: CreateGroupBody): Promise<GroupAnswer> {
    const res = await this.request('POST', '/api/conversations', createGroupResponseSchema, { body });
    return { conversation: res.conversation, message: res.message ?? null };
  }

  /** clientId rides along (an extension of the contract) so that a retried change applies once. */
  changeGroup(conversationId: string, change: GroupChange, clientId: string): Promise<GroupAnswer> {
    const path = `/api/conversations/${encodeURIComponent(conversationId)}`;
    switch (change.kind) {
      case 'rename':
        return this.request('PATCH', path, groupChangeResponseSchema, { body: { title: change.title, clientId } });
      case 'add':
        return this.request('POST', `${path}/members`, groupChangeResponseSchema, { body: { userIds: change.userIds, clientId } });
      case 'remove':
        return this.request('DELETE', `${path}/members/${encodeURIComponent(change.userId)}?${new URLSearchParams({ clientId })}`, groupChangeResponseSchema);
      case 'promote':
        return this.request('PATCH', `${path}/members/${encodeURIComponent(change.userId)}`, groupChangeResponseSchema, { body: { role: 'admin', clientId } });
    }
  }

  conversation(conversationId: string) {
    return this.request('GET', `/api/conversations/${encodeURIComponent(conversationId)}`, conversationResponseSchema);
  }

  messageReceipts(messageId: string) {
    return this.request('GET', `/api/messages/${encodeURIComponent(messageId)}/receipts`, receiptsResponseSchema);
  }

  sendMessage(input: SendMessageInput) {
    return this.request('POST', '/api/messages', sendMessageResponseSchema, { body: input });
  }

  /** `POST /api/messages/batch` (extension, events/send-batch.ts): `{ results }`, a prefix of `inputs` in order. */
  sendMessages(inputs: readonly SendMessageInput[]) {
    return this.request('POST', '/api/messages/batch', sendMessagesResponseSchema, { body: { messages: inputs } });
  }

  /** Contract v2 "Message actions" (hide: `POST /api/messages/:id/hide`, an extension); each answers `{ message }`. */
  async messageAction(input: MessageActionInput): Promise<Message> {
    const path = `/api/messages/${encodeURIComponent(input.messageId)}`;
    const { clientId } = input;
    switch (input.kind) {
      case 'react':
        return (await this.request('PUT', `${path}/reaction`, sendMessageResponseSchema, { body: { clientId, emoji: input.emoji } })).message;
      case 'edit':
        return (await this.request('PATCH', path, sendMessageResponseSchema, { body: { clientId, body: input.body } })).message;
      case 'delete':
        return (await this.request('DELETE', `${path}?${new URLSearchParams({ clientId })}`, sendMessageResponseSchema)).message;
      case 'hide':
        return (await this.request('POST', `${path}/hide`, sendMessageResponseSchema, { body: { clientId } })).message;
    }
  }

  sync(since: string, limit: number, options: SyncOptions = {}) {
    const q = new URLSearchParams({ since, limit: String(limit) });
    if (options.omitOwnDelivered) q.set('omit', 'own-delivered');
    return this.request('GET', `/api/sync?${q}`, syncResponseSchema);
  }

  /** `GET /api/messages/search` (model/search.ts), newest first. */
  searchMessages(query: { q: string; conversationId?: string; limit?: number }) {
    const q = new URLSearchParams({ q: query.q });
    if (query.conversationId !== undefined) q.set('conversationId', query.conversationId);
    if (query.limit !== undefined) q.set('limit', String(query.limit));
    return this.request('GET', `/api/messages/search?${q}`, searchResponseSchema);
  }

  /** Per-chat mute (model/notifications.ts, extension): idempotent, answers the record as stored. */
  setMute(conversationId: string, muted: boolean) {
    return this.request('PUT', `/api/conversations/${encodeURIComponent(conversationId)}/mute`, muteResponseSchema, { body: { muted } });
  }

  mutes() {
    return this.request('GET', '/api/conversations/mutes', mutesResponseSchema);
  }

  pushConfig() {
    return this.request('GET', '/api/push/config', pushConfigResponseSchema);
  }

  /** 201 created or 200 updated: either way nothing to read that the caller needs. */
  async addPushSubscription(input: PushSubscriptionInput): Promise<void> {
    await this.request('POST', '/api/push/subscriptions', null, { body: input });
  }

  async removePushSubscription(endpoint: string): Promise<void> {
    await this.request('DELETE', '/api/push/subscriptions', null, { body: { endpoint } });
  }

  /** `schema` null: an answer without a body (204). `bearer`: this token instead of the session's. */
  private async request<S extends z.ZodType>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    schema: S | null,
    { body, auth = true, bearer }: { body?: unknown; auth?: boolean; bearer?: string } = {},
  ): Promise<z.infer<S>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const token = bearer ?? (auth ? this.options.getToken() : null);
    if (auth && !token) throw new PigeonError('UNAUTHENTICATED', 'not signed in');
    if (token) headers.authorization = `Bearer ${token}`;

    // One signal for the answer and its body: a page whose bytes stop coming fails as well.
    const { timeoutMs } = this.options;
    const response = await fetchOrNetworkError(this.options.fetch, `${this.options.baseUrl}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(timeoutMs !== undefined ? { signal: AbortSignal.timeout(timeoutMs) } : {}),
    });
    // Nothing to read (204): reading an empty body would look like a cut one.
    if (response.ok && schema === null) return undefined as z.infer<S>;
    let json: unknown;
    try {
      json = await response.json();
    } catch (e) {
      // A 2xx whose body can't be read was cut mid-stream (connection dropped): a network
      // failure, retried like one, not a protocol violation.
      if (response.ok) throw networkError(whyUnanswered(e));
      json = undefined;
    }
    if (!response.ok) throw refusalOf(response, json);
    if (schema === null) return undefined as z.infer<S>;
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new PigeonError('INTERNAL', `unexpected response from ${method} ${path.split('?')[0]}`, parsed.error.issues);
    return parsed.data;
  }
}
