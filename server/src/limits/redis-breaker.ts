/**
 * When to stop asking Redis (a circuit breaker, one per limits connection).
 *
 * A Redis that is gone fails each command at once (no offline queue), but one
 * that hangs — a network partition, a stopped process — holds each command for
 * the whole command timeout. Every send, socket event and handshake consults a
 * limiter, so without this each of them would wait that long for as long as the
 * hang lasts. After a failure the limiters count in memory for `openMs`; then a
 * single call probes Redis (the others stay in memory) and its outcome closes or
 * reopens the breaker.
 */
export class RedisBreaker {
  /** 0 = closed (use Redis); otherwise in memory until then. */
  private openUntil = 0;
  private probing = false;

  constructor(
    private readonly openMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether this call may go to Redis. */
  allow(): boolean {
    if (this.openUntil === 0) return true;
    if (this.now() < this.openUntil || this.probing) return false;
    this.probing = true;
    return true;
  }

  /** A Redis call answered. */
  succeeded(): void {
    this.openUntil = 0;
    this.probing = false;
  }

  /** A Redis call failed; true when this failure opened the breaker (worth one log line). */
  failed(): boolean {
    const opened = this.openUntil === 0;
    this.openUntil = this.now() + this.openMs;
    this.probing = false;
    return opened;
  }

  get isOpen(): boolean {
    return this.openUntil !== 0;
  }
}
