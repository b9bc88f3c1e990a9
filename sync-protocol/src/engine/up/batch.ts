/**
 * Batched sends, the pure part (issue #20): which entries at a lane's head go in one
 * `send-messages` request, and what its answer means for each of them.
 *
 * Why order still holds (docs/sync-protocol.md, "Outbox"): one batch in flight per lane, like one
 * entry before; the server stores what it handles in request order and stops at the first message
 * it cannot take for now, so what it stored is always a prefix of the batch, apart from messages
 * refused for good (which the one-by-one path skips as well). The drainer commits the acked
 * prefix, marks the refused ones failed, and the next request starts at the first message without
 * an answer; a lost answer makes it send the same clientIds again, answered as already stored.
 */
import { PERMANENT_SEND_ERRORS, PigeonError } from '../../errors.ts';
import { SEND_BATCH, type SendBatchResult } from '../../events/send-batch.ts';
import type { Message, SendMessageInput } from '../../model/message.ts';
import type { OutboxEntry } from '../local/local-db.ts';

/**
 * A plain text message, nothing to do before its send: no group change, action, mute, profile
 * change or files, and a reply only once its original's server id is known (an original ahead in
 * the same batch has none yet: the reply waits to be a head, where it is resolved).
 */
export function batchable(e: OutboxEntry): boolean {
  return !e.op && !e.action && !e.mute && !e.profile && !e.uploads?.length && (!e.replyTo || e.replyTo.id !== null);
}

export interface BatchLimits {
  maxItems: number;
  maxBytes: number;
}

/**
 * The entries to send together, from a lane's entries in order (`run[0]` its head, already
 * resolved): the head and the batchable entries right behind it that `mine` accepts, up to
 * `maxItems` and `maxBytes` of JSON (the head alone whatever its size). Just the head when it is
 * not batchable or has failed before: after a failure it goes alone, so what a single send says
 * about it (a refusal for good, say) is what counts, and a server without batches still drains.
 */
export function pickBatch(
  run: readonly OutboxEntry[],
  input: (e: OutboxEntry) => SendMessageInput,
  mine: (e: OutboxEntry) => boolean,
  limits: BatchLimits = SEND_BATCH,
): OutboxEntry[] {
  const head = run[0];
  if (!head) return [];
  if (!batchable(head) || head.attempts > 0) return [head];
  const batch = [head];
  let bytes = jsonBytes(input(head));
  for (const e of run.slice(1)) {
    if (batch.length >= limits.maxItems || e.conversationId !== head.conversationId || !batchable(e) || !mine(e)) break;
    const size = jsonBytes(input(e));
    if (bytes + size > limits.maxBytes) break;
    bytes += size;
    batch.push(e);
  }
  return batch;
}

const encoder = new TextEncoder();
/** UTF-8 bytes of a message's JSON, plus its comma. */
export function jsonBytes(value: unknown): number {
  return encoder.encode(JSON.stringify(value)).length + 1;
}

export interface BatchOutcome {
  /** Stored (now or before): their server copies are committed and their entries dropped, in one transaction. */
  acked: { entry: OutboxEntry; message: Message }[];
  /** Refused for good: failed like a refused single send. */
  refused: { entry: OutboxEntry; error: PigeonError }[];
  /** The first one the server could not take for now: a failed attempt, the lane backs off. Entries after it were not stored. */
  stopped?: { entry: OutboxEntry; error: PigeonError };
}

/**
 * What a batch's answer means, entry by entry. `results` answers a prefix of `batch`; the entries
 * past it (past `stopped`) were not stored and stay queued in order, to be sent again. A result
 * naming another clientId than its entry's is a broken answer: it ends the batch there as a
 * transient failure (nothing after it is trusted), so no entry is ever dropped on a wrong ack.
 */
export function splitResults(batch: readonly OutboxEntry[], results: readonly SendBatchResult[]): BatchOutcome {
  const outcome: BatchOutcome = { acked: [], refused: [] };
  for (const [i, result] of results.entries()) {
    const entry = batch[i];
    if (!entry) break;
    if (result.ok) {
      if (result.message.clientId !== entry.clientId) {
        outcome.stopped = { entry, error: new PigeonError('INTERNAL', `batch: result ${i} is for ${result.message.clientId}, not ${entry.clientId}`) };
        break;
      }
      outcome.acked.push({ entry, message: result.message });
    } else if (PERMANENT_SEND_ERRORS.has(result.code)) {
      outcome.refused.push({ entry, error: new PigeonError(result.code, result.message) });
    } else {
      outcome.stopped = { entry, error: new PigeonError(result.code, result.message) };
      break;
    }
  }
  return outcome;
}

/**
 * A batch request that failed as a whole (timeout, disconnect, HTTP error) stored nothing of it
 * that a resend would not find: it counts as a transient failure of the head, whatever the code
 * (a 413 or a VALIDATION of the envelope says nothing about the head itself; sent alone next, its
 * own answer decides). UNAUTHENTICATED keeps its meaning (the lane stops if signed out).
 */
export function wholeBatchFailure(e: unknown): unknown {
  if (!(e instanceof PigeonError) || e.code === 'UNAUTHENTICATED' || !PERMANENT_SEND_ERRORS.has(e.code)) return e;
  return new PigeonError('UNAVAILABLE', `batch refused: ${e.code} ${e.message}`);
}
