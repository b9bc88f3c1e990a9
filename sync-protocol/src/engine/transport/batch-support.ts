/**
 * Whether the server answers batched sends (`send-messages`, `POST /api/messages/batch`;
 * events/send-batch.ts), learned per route. A server from before them, or an older node during a
 * rolling upgrade, has neither: over REST it says so at once (404 NOT_FOUND for the path: a
 * server with batches answers a NOT_FOUND of one message inside `results`, never for the whole
 * request), but over the socket it says nothing, and every batch would wait out the ack timeout
 * before its head went alone (up/batch.ts pickBatch), once per head: one timeout every few
 * messages for the whole drain. So a batch that got no answer while the socket stayed up makes
 * the socket suspect, and a single `send-message` answered on the same connection after it
 * convicts it: that server has no `send-messages`, and until the next connect (which may reach
 * another node) batches go out as their head alone, which the prefix rule allows (a one-result
 * answer). A slow server that answers singles slowly too stays suspect only.
 */
import { PigeonError } from '../../errors.ts';

export type BatchRoute = 'socket' | 'rest';

export class BatchSupport {
  private socketSuspect = false;
  private socketMissing = false;
  private restMissing = false;

  /** Whether batches go out as batches on this route now. */
  batches(via: BatchRoute): boolean {
    return via === 'socket' ? !this.socketMissing : !this.restMissing;
  }

  /** A batch failed as a whole; `unanswered`: on the socket, no ack came while it stayed up (not a refusal, not a disconnect). */
  batchFailed(via: BatchRoute, error: unknown, unanswered: boolean): void {
    if (via === 'rest') {
      if (error instanceof PigeonError && error.code === 'NOT_FOUND') this.restMissing = true;
    } else if (unanswered) this.socketSuspect = true;
  }

  /** A batch was answered on this route: whatever looked missing there answers them. */
  batchAnswered(via: BatchRoute): void {
    if (via === 'socket') this.socketSuspect = false;
  }

  /** A single `send-message` was answered on the socket. */
  singleAnswered(): void {
    if (this.socketSuspect) this.socketMissing = true;
  }

  /** The socket (re)connected: maybe to another server; ask it again. */
  connected(): void {
    this.socketSuspect = false;
    this.socketMissing = false;
  }
}
