/**
 * The default transport: Socket.io (realtime, acked sends and receipts) and
 * fetch (auth, reads, catch-up, the REST send fallback), both to `serverUrl`.
 */
import { RestClient } from './rest.ts';
import { AttachmentClient } from './rest-attachments.ts';
import { SocketTransport } from './socket.ts';
import type { Transport, TransportFactory } from './transport.ts';

export interface SocketIoTransportOptions {
  /** Base URL of the server; '' for same-origin. */
  serverUrl: string;
  fetch: typeof fetch;
  reconnectionDelayMs: number;
  reconnectionDelayMaxMs: number;
  connectTimeoutMs: number;
  transports?: ('websocket' | 'polling')[];
}

export function socketIoTransport(options: SocketIoTransportOptions): TransportFactory {
  return function createSocketIoTransport(context): Transport {
    const rest = new RestClient({
      baseUrl: options.serverUrl,
      fetch: options.fetch,
      getToken: context.getToken,
    });
    const files = new AttachmentClient({ baseUrl: options.serverUrl, fetch: options.fetch, getToken: context.getToken });
    const socket = new SocketTransport({
      url: options.serverUrl,
      ackTimeoutMs: context.ackTimeoutMs,
      reconnectionDelayMs: options.reconnectionDelayMs,
      reconnectionDelayMaxMs: options.reconnectionDelayMaxMs,
      connectTimeoutMs: options.connectTimeoutMs,
      ...(options.transports ? { transports: options.transports } : {}),
    });
    return {
      get connected() {
        return socket.connected;
      },
      open: (events) => socket.open(context.getToken, events),
      close: () => socket.close(),
      dropConnection: () => socket.dropConnection(),
      register: (body) => rest.register(body),
      login: (body) => rest.login(body),
      refresh: (refreshToken) => rest.refresh(refreshToken),
      logout: (accessToken) => rest.logout(accessToken),
      me: () => rest.me(),
      updateProfile: (change) => rest.updateProfile(change),
      avatar: (userId) => files.avatar(userId),
      searchUsers: (query) => rest.searchUsers(query),
      users: (ids) => rest.users(ids),
      conversations: () => rest.conversations(),
      sessions: () => rest.sessions(),
      revokeSession: (sessionId) => rest.revokeSession(sessionId),
      block: (userId) => rest.block(userId),
      unblock: (userId) => rest.unblock(userId),
      blocked: () => rest.blocked(),
      history: (conversationId, before, limit) => rest.history(conversationId, before, limit),
      sync: (since, limit) => rest.sync(since, limit),
      createGroup: (body) => rest.createGroup(body),
      changeGroup: (conversationId, change, clientId) => rest.changeGroup(conversationId, change, clientId),
      conversation: (conversationId) => rest.conversation(conversationId),
      messageReceipts: (messageId) => rest.messageReceipts(messageId),
      uploadAttachment: (request) => files.upload(request),
      downloadAttachment: (id, options) => files.download(id, options),
      sendMessage: async (input, via) => (via === 'socket' ? socket.sendMessage(input) : (await rest.sendMessage(input)).message),
      sendMessages: async (inputs, via) => (via === 'socket' ? socket.sendMessages(inputs) : (await rest.sendMessages(inputs)).results),
      messageAction: (input, via) => (via === 'socket' ? socket.messageAction(input) : rest.messageAction(input)),
      messageReceived: (ids) => socket.messageReceived(ids),
      messageRead: (conversationId, upToSeq) => socket.messageRead(conversationId, upToSeq),
      userStatus: (userId) => socket.userStatus(userId),
      searchMessages: (query) => rest.searchMessages(query),
      setMute: (conversationId, muted) => rest.setMute(conversationId, muted),
      mutes: () => rest.mutes(),
      pushConfig: () => rest.pushConfig(),
      addPushSubscription: (input) => rest.addPushSubscription(input),
      removePushSubscription: (endpoint) => rest.removePushSubscription(endpoint),
      typing: (to, typing) => socket.typing(to, typing),
      typingIn: (conversationId, typing) => socket.typingIn(conversationId, typing),
    };
  };
}
