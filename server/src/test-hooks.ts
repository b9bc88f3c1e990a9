import type { Message } from '@pigeon/sync-protocol';
import type { SendRequest } from './store/store.ts';

/**
 * Fault-injection points for tests. Only reachable through `startServer({ testHooks })`,
 * never from the environment, so a production process can't be put into these modes.
 */
export interface TestHooks {
  /**
   * A socket send was committed and is about to be acked. Returning 'drop'
   * closes that socket's connection instead of acking (like a network cut: the
   * client sees disconnect reason "transport close" and reconnects by itself if
   * reconnection is on). The message is stored and announced to the other
   * sockets, but its sender never hears back — the "ack lost" case a client
   * must recover from by resending the same clientId. Called for repeated
   * clientIds too.
   */
  afterStoreBeforeAck?(socketId: string, message: Message): 'drop' | void;
  /**
   * Awaited before each group commit: a test can hold a batch "in flight"
   * (e.g. to prove that close() waits for it).
   */
  beforeCommit?(batch: readonly SendRequest[]): void | Promise<void>;
  /**
   * The server clock of message actions (their `at`, by which the 15-minute edit and 48-hour
   * delete windows are judged), so a test can move server time forward without waiting.
   */
  actionClock?(): Date;
  /** Typing TTL override (ms), so client tests need not wait 5 s. */
  typingTtlMs?: number;
  /**
   * Refresh-token reuse grace override (ms; REFRESH_REUSE_GRACE_MS, 30 s, otherwise), so tests
   * need not wait 30 s to see a replayed token revoke its session. 0: no grace at all.
   */
  refreshReuseGraceMs?: number;
  /**
   * The server as it was before batched sends (an older node during a rolling upgrade): no
   * `send-messages` handler (a batch gets no ack at all) and no `POST /api/messages/batch` (404).
   */
  withoutBatchedSends?: boolean;
}

/** The HTTP side of the hooks that remove routes (`withoutBatchedSends`), around the app's fetch. */
export function hookedFetch(fetch: (req: Request) => Response | Promise<Response>, hooks: TestHooks): (req: Request) => Response | Promise<Response> {
  if (!hooks.withoutBatchedSends) return fetch;
  return (req) =>
    req.method === 'POST' && new URL(req.url).pathname === '/api/messages/batch'
      ? Response.json({ error: { code: 'NOT_FOUND', message: 'no such route' } }, { status: 404 })
      : fetch(req);
}
