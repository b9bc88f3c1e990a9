/**
 * Entries whose target row the device does not hold (yet): an action on a message, or a reply
 * quoting one, parked at an account switch before its target was resolved there. The drainer
 * (drainer.ts) asks here whether to wait for the catch-up to bring the row back, and what to do
 * once it never came.
 */
import { PigeonError } from '../../errors.ts';
import { backoffDelay, type BackoffOptions } from '../util/backoff.ts';
import type { Signal } from '../util/signal.ts';
import { messageKey, type LocalDb, type OutboxEntry } from '../local/local-db.ts';
import { failAction } from './actions.ts';

/** About a minute at the default backoff (250 ms doubling to 30 s): a catch-up from the start is done by then. */
export const TARGET_WAITS = 8;

export interface TargetWaitsDeps {
  db: LocalDb;
  me: () => string | null;
  /** The drainer's wake-up signal: a wait ends early when the drainer is woken (reconnect, stop). */
  signal: Signal;
  backoff: BackoffOptions;
  random?: () => number;
  /** Catch-ups completed so far (a counter). */
  catchUpsDone?: () => number;
  requestCatchUp?: () => void;
  onError: (where: string, error: unknown) => void;
}

export class TargetWaits {
  /** Waits by entry clientId: how many, and the catch-ups done when the first began; 'over' once given up. */
  private readonly waits = new Map<string, { n: number; catchUps: number } | 'over'>();

  constructor(private readonly deps: TargetWaitsDeps) {}

  /**
   * An entry whose target row the device does not hold (yet): wait for the catch-up to bring it
   * back (an entry parked at an account switch before targets were resolved there), with backoff.
   * Given up only once a catch-up has completed after the wait began (a catch-up is asked for) and
   * at least TARGET_WAITS waits passed: however long a big catch-up takes on a slow link, it is
   * not a reason to drop the action. False when done waiting (nothing waited; it stays over, so a
   * reply sent without its quote and then retried does not wait again). Not by `attempts`: those
   * count send failures. The drainer's lane loop re-checks canDrain after the wait.
   */
  async wait(entry: OutboxEntry): Promise<boolean> {
    const done = this.deps.catchUpsDone?.() ?? null;
    const seen = this.waits.get(entry.clientId);
    if (seen === 'over') return false;
    const wait = seen ?? { n: 0, catchUps: done ?? 0 };
    if (wait.n >= TARGET_WAITS && (done === null || done > wait.catchUps)) {
      this.waits.set(entry.clientId, 'over');
      return false;
    }
    wait.n += 1;
    this.waits.set(entry.clientId, wait);
    if (wait.n === 1) this.deps.requestCatchUp?.();
    await this.deps.signal.wait(backoffDelay(Math.min(wait.n, TARGET_WAITS), this.deps.backoff, this.deps.random));
    return true;
  }

  /**
   * The target never came: never silently. The `error` event names the entry; an action is dropped
   * (there is no row to show `actionError` on), a reply goes without its quote (its text still
   * matters). Undefined when the entry is not to be sent (dropped, or not this account's).
   */
  async giveUp(entry: OutboxEntry): Promise<OutboxEntry | undefined> {
    const me = this.deps.me();
    if (!me || entry.key !== messageKey(me, entry.clientId)) return undefined;
    const what = entry.action ? `${entry.action.kind} of ${entry.targetKey}` : `reply ${entry.key} to ${entry.replyTo?.key}`;
    this.deps.onError('drainer.target', new PigeonError('NOT_FOUND', `${what}: the message is not on this device`));
    if (!entry.action) return entry;
    await failAction(this.deps.db, entry, me, 'NOT_FOUND', 'the message is not on this device');
    return undefined;
  }
}
