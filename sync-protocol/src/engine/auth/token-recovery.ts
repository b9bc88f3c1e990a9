/**
 * The transport the engine's parts use: the raw one, plus "a refused token is refreshed and the
 * call retried". Every authenticated call that fails with UNAUTHENTICATED asks
 * `recover(tokenItUsed, itsUser)`; when a newer token of that user is in use afterwards (refreshed now, by a call
 * that raced this one, or by another tab) the call runs again with it (up to TOKEN_ATTEMPTS calls in all). So an access token
 * that expired while the device was asleep costs one refresh, not a sign-out, and no caller
 * (catch-up, drainer, history, search) needs to know about tokens.
 *
 * The retry is bound to the user the call started as: a newer token of ANOTHER account (this
 * one signed out while the call was on the network, and the next one signed in) is no reason
 * to retry. Retrying with it once made the server store A's queued message a second time with
 * B as the sender (reliability.md C6): a REST send stalled across the switch, reached the
 * server with A's revoked token, and was answered 401.
 *
 * register, login, refresh and logout pass straight through: they carry no session token
 * (logout carries the one it is given, and a refused logout is not worth a refresh).
 */
import { PigeonError } from '../../errors.ts';
import type { Transport } from '../transport/transport.ts';
import type { SyncOptions } from '../../rest/sync.ts';

export interface TokenRecovery {
  /** The signed-in user now (whose token `token()` is). */
  me(): string | null;
  /** The access token in use now. */
  token(): string | null;
  /** `used`, a token of `user`, was refused: true when a newer token of the same user is in use now (worth one retry). */
  recover(used: string, user: string): Promise<boolean>;
}

/**
 * Calls one refused call may make, each with a newer token of its user. More than two: a token
 * refreshed for the retry can itself expire before the retry is served (short-lived tokens on a
 * loaded server; the chaos harness's 3 s tokens lost an attachment download so). Bounded, so a
 * server that refuses every token cannot keep a call refreshing.
 */
export const TOKEN_ATTEMPTS = 3;

export function withTokenRecovery(t: Transport, auth: TokenRecovery): Transport {
  const once =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      // Read together, synchronously: the call below reads the same token before its first await.
      const user = auth.me();
      let used = auth.token();
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await call(...args);
        } catch (e) {
          if (!(e instanceof PigeonError && e.code === 'UNAUTHENTICATED') || used === null || user === null) throw e;
          if (attempt >= TOKEN_ATTEMPTS || !(await auth.recover(used, user))) throw e;
          // Checked again right before the retry reads the token: the session may have changed during recover's awaits.
          if (auth.me() !== user) throw e;
          used = auth.token();
        }
      }
    };
  return {
    get connected() {
      return t.connected;
    },
    open: (events) => t.open(events),
    close: () => t.close(),
    dropConnection: () => t.dropConnection(),
    register: (body) => t.register(body),
    login: (body) => t.login(body),
    refresh: (refreshToken) => t.refresh(refreshToken),
    logout: (accessToken) => t.logout(accessToken),
    me: once(() => t.me()),
    updateProfile: once((change: Parameters<Transport['updateProfile']>[0]) => t.updateProfile(change)),
    avatar: once((userId: string) => t.avatar(userId)),
    searchUsers: once((query: string) => t.searchUsers(query)),
    users: once((ids: readonly string[]) => t.users(ids)),
    conversations: once(() => t.conversations()),
    sessions: once(() => t.sessions()),
    revokeSession: once((sessionId: string) => t.revokeSession(sessionId)),
    block: once((userId: string) => t.block(userId)),
    unblock: once((userId: string) => t.unblock(userId)),
    blocked: once(() => t.blocked()),
    history: once((conversationId: string, before: string | null, limit: number) => t.history(conversationId, before, limit)),
    sync: once((since: string, limit: number, options?: SyncOptions) => t.sync(since, limit, options)),
    createGroup: once((body: Parameters<Transport['createGroup']>[0]) => t.createGroup(body)),
    changeGroup: once((conversationId: string, change: Parameters<Transport['changeGroup']>[1], clientId: string) => t.changeGroup(conversationId, change, clientId)),
    conversation: once((conversationId: string) => t.conversation(conversationId)),
    messageReceipts: once((messageId: string) => t.messageReceipts(messageId)),
    uploadAttachment: once((request: Parameters<Transport['uploadAttachment']>[0]) => t.uploadAttachment(request)),
    downloadAttachment: once((id: string, options?: Parameters<Transport['downloadAttachment']>[1]) => t.downloadAttachment(id, options)),
    sendMessage: once((input: Parameters<Transport['sendMessage']>[0], via: 'socket' | 'rest') => t.sendMessage(input, via)),
    ...(t.sendMessages ? { sendMessages: once((inputs: Parameters<NonNullable<Transport['sendMessages']>>[0], via: 'socket' | 'rest') => t.sendMessages!(inputs, via)) } : {}),
    messageAction: once((input: Parameters<Transport['messageAction']>[0], via: 'socket' | 'rest') => t.messageAction(input, via)),
    messageReceived: once((ids: string[]) => t.messageReceived(ids)),
    messageRead: once((conversationId: string, upToSeq: number) => t.messageRead(conversationId, upToSeq)),
    userStatus: once((userId: string) => t.userStatus(userId)),
    searchMessages: once((query: Parameters<Transport['searchMessages']>[0]) => t.searchMessages(query)),
    setMute: once((conversationId: string, muted: boolean) => t.setMute(conversationId, muted)),
    mutes: once(() => t.mutes()),
    pushConfig: once(() => t.pushConfig()),
    addPushSubscription: once((input: Parameters<Transport['addPushSubscription']>[0]) => t.addPushSubscription(input)),
    removePushSubscription: once((endpoint: string) => t.removePushSubscription(endpoint)),
    typing: (to, typing) => t.typing(to, typing),
    typingIn: (conversationId, typing) => t.typingIn(conversationId, typing),
  };
}
