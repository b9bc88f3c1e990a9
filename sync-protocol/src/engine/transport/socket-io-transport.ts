/**
 * The default transport: Socket.io (realtime, acked sends and receipts) and
 * fetch (auth, reads, catch-up, the REST send fallback), both to `serverUrl`.
 */
import { RestClient } from './rest.ts';
import { AttachmentClient } from './rest-attachments.ts';
import { SocketTransport } from './socket.ts';
import type { Transport, TransportFactory } from './transport.ts';
import { BatchSupport, type BatchRoute } from './batch-support.ts';
import { PERMANENT_SEND_ERRORS, PigeonError } from '../../errors.ts';
import type { SendBatchResult } from '../../events/send-batch.ts';
import type { Message, SendMessageInput } from '../../model/message.ts';

export interface SocketIoTransportOptions {
  /** Base URL of the server; '' for same-origin. */
  serverUrl: string;
  fetch: typeof fetch;
  reconnectionDelayMs: number;
  reconnectionDelayMaxMs: number;
  connectTimeoutMs: number;
  /**
   * A REST request's bound, its body included (ms; rest.ts `timeoutMs`); for a file download, the
   * longest silence (rest-attachments.ts `idleMs`). Absent: none.
   */
  requestTimeoutMs?: number;
  transports?: ('websocket' | 'polling')[];
}

export function socketIoTransport(options: SocketIoTransportOptions): TransportFactory {
  return function createSocketIoTransport(context): Transport {
    const rest = new RestClient({
      baseUrl: options.serverUrl,
      fetch: options.fetch,
      getToken: context.getToken,
      ...(options.requestTimeoutMs !== undefined ? { timeoutMs: options.requestTimeoutMs } : {}),
    });
    // A download is bounded on silence, not on its total: a big file on a slow link takes what it takes.
    const files = new AttachmentClient({
      baseUrl: options.serverUrl,
      fetch: options.fetch,
      getToken: context.getToken,
      ...(options.requestTimeoutMs !== undefined ? { idleMs: options.requestTimeoutMs } : {}),
    });
    const socket = new SocketTransport({
      url: options.serverUrl,
      ackTimeoutMs: context.ackTimeoutMs,
      reconnectionDelayMs: options.reconnectionDelayMs,
      reconnectionDelayMaxMs: options.reconnectionDelayMaxMs,
      connectTimeoutMs: options.connectTimeoutMs,
      ...(options.transports ? { transports: options.transports } : {}),
    });
    const batchSupport = new BatchSupport();
    const sendMessage = async (input: SendMessageInput, via: BatchRoute): Promise<Message> => {
      if (via === 'rest') return (await rest.sendMessage(input)).message;
      const message = await socket.sendMessage(input);
      batchSupport.singleAnswered();
      return message;
    };
    /** A batch the route does not take goes as its head alone: a one-result answer (batch-support.ts). */
    const headAlone = async (input: SendMessageInput, via: BatchRoute): Promise<SendBatchResult[]> => {
      try {
        return [{ ok: true, message: await sendMessage(input, via) }];
      } catch (e) {
        if (e instanceof PigeonError && PERMANENT_SEND_ERRORS.has(e.code)) return [e.toAck()];
        throw e;
      }
    };
    const sendMessages = async (inputs: readonly SendMessageInput[], via: BatchRoute): Promise<SendBatchResult[]> => {
      if (!batchSupport.batches(via)) return headAlone(inputs[0]!, via);
      try {
        const results = via === 'socket' ? await socket.sendMessages(inputs) : (await rest.sendMessages(inputs)).results;
        batchSupport.batchAnswered(via);
        return results;
      } catch (e) {
        // No answer at all (socket.ts `unavailable`: a timeout, not a refusal the server sent) while still connected.
        const unanswered = e instanceof PigeonError && (e.details as { socket?: boolean } | undefined)?.socket === true && socket.connected;
        batchSupport.batchFailed(via, e, unanswered);
        // Learned just now that REST has no batches (404 at once): the head goes alone right away.
        if (!batchSupport.batches(via)) return headAlone(inputs[0]!, via);
        throw e;
      }
    };
    return {
      get connected() {
        return socket.connected;
      },
      open: (events) =>
        socket.open(context.getToken, {
          ...events,
          connect: () => {
            batchSupport.connected();
            events.connect();
          },
        }),
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
      sync: (since, limit, options) => rest.sync(since, limit, options),
      createGroup: (body) => rest.createGroup(body),
      changeGroup: (conversationId, change, clientId) => rest.changeGroup(conversationId, change, clientId),
      conversation: (conversationId) => rest.conversation(conversationId),
      messageReceipts: (messageId) => rest.messageReceipts(messageId),
      uploadAttachment: (request) => files.upload(request),
      downloadAttachment: (id, options) => files.download(id, options),
      sendMessage,
      sendMessages,
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
