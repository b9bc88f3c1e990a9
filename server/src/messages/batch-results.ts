import { isPigeonError, type SendBatchResult } from '@pigeon/sync-protocol';
import type { Logger } from '../log.ts';
import type { StoredOutcome } from '../store/store.ts';
import type { BatchAnswer } from './send-service.ts';

/** The stored messages of a batched send's answers (new or stored before), in order: what is acked and announced. */
export function storedOf(answers: readonly BatchAnswer[]): StoredOutcome[] {
  return answers.flatMap((a) => ('failed' in a || a.refused ? [] : [a]));
}

/**
 * A batched send's answers on the wire (sync-protocol events/send-batch.ts), the same for the
 * socket ack and the REST answer: each a `send-message` ack. A failure that is no PigeonError (a
 * store error) is logged and reported as INTERNAL without details, as a single send's would be.
 */
export function toBatchResults(answers: readonly BatchAnswer[], log: Logger): SendBatchResult[] {
  return answers.map((a) => {
    if ('failed' in a) {
      if (isPigeonError(a.failed)) return a.failed.toAck();
      log.error({ err: a.failed }, 'batched send failed');
      return { ok: false, code: 'INTERNAL', message: 'internal error' };
    }
    if (a.refused) return a.refused.toAck();
    return { ok: true, message: a.message };
  });
}
