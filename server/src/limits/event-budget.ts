export type BudgetVerdict =
  | { kind: 'ok' }
  /** Over the budget: refuse this event. */
  | { kind: 'over'; retryAfterMs: number }
  /** Far over it (`abuseFactor` × the budget in one window): end the connection. */
  | { kind: 'abusive' };

export interface EventBudgetOptions {
  /** Events per window; 0 = no budget. */
  limit: number;
  windowMs: number;
  /** Events in one window, as a multiple of `limit`, past which the client counts as abusive. */
  abuseFactor?: number;
  now?: () => number;
}

/**
 * One socket's budget of client events: a fixed window that opens with the
 * first event. Synchronous and in memory: it is consulted for every packet
 * before anything else, so it must cost next to nothing, and it dies with its
 * socket (no map to sweep). Refused events count too: a client that ignores
 * RATE_LIMITED and keeps going reaches `abuseFactor` × limit and is cut off.
 */
export class EventBudget {
  private windowStart = -Infinity;
  private count = 0;
  private readonly abuseAt: number;
  private readonly now: () => number;

  constructor(private readonly options: EventBudgetOptions) {
    this.abuseAt = options.limit * (options.abuseFactor ?? 3);
    this.now = options.now ?? Date.now;
  }

  take(): BudgetVerdict {
    if (this.options.limit <= 0) return { kind: 'ok' };
    const t = this.now();
    if (t - this.windowStart >= this.options.windowMs) {
      this.windowStart = t;
      this.count = 0;
    }
    this.count++;
    if (this.count <= this.options.limit) return { kind: 'ok' };
    if (this.count > this.abuseAt) return { kind: 'abusive' };
    return { kind: 'over', retryAfterMs: this.windowStart + this.options.windowMs - t };
  }
}
