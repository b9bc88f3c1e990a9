import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RECEIPT_RETRY_MAX_MS, ReceiptRetry } from './receipt-retry.ts';

describe('ReceiptRetry', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  /** Backoff 1 s, 2 s, 4 s … (random pinned to 1: the whole step). */
  const make = (canRun = () => true) => {
    const runs: number[] = [];
    const retry = new ReceiptRetry({ run: () => runs.push(Date.now()), canRun, backoff: { baseMs: 1_000, maxMs: 30_000 }, random: () => 1 });
    return { retry, runs };
  };

  it('waits out a growing backoff while nothing else shows the connection works', () => {
    const { retry, runs } = make();
    retry.failed();
    vi.advanceTimersByTime(999);
    expect(runs).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(runs).toHaveLength(1);
    retry.failed();
    vi.advanceTimersByTime(1_999);
    expect(runs).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(runs).toHaveLength(2);
  });

  it('runs a waiting retry at once when the connection proves fine, and only a waiting one', () => {
    const { retry, runs } = make();
    retry.proven();
    expect(runs).toHaveLength(0);
    for (let i = 0; i < 6; i++) {
      retry.failed();
      vi.runOnlyPendingTimers();
    }
    retry.failed(); // the 7th in a row
    expect(retry.pending).toBe(true);
    retry.proven();
    expect(runs).toHaveLength(7);
    expect(retry.pending).toBe(false);
    // Not a success of the receipt itself: if it fails again the backoff goes on growing, to its cap.
    retry.failed();
    vi.advanceTimersByTime(RECEIPT_RETRY_MAX_MS - 1);
    expect(runs).toHaveLength(7);
    vi.advanceTimersByTime(1);
    expect(runs).toHaveLength(8);
  });

  it('never waits longer than RECEIPT_RETRY_MAX_MS, however many failures in a row (the backoff allows 30 s)', () => {
    const { retry, runs } = make();
    for (let i = 0; i < 12; i++) {
      retry.failed();
      vi.advanceTimersByTime(RECEIPT_RETRY_MAX_MS);
      expect(runs).toHaveLength(i + 1);
    }
  });

  it('forgets failures and the waiting retry at a new connection', () => {
    const { retry, runs } = make();
    for (let i = 0; i < 5; i++) {
      retry.failed();
      vi.runOnlyPendingTimers();
    }
    retry.failed();
    retry.reset();
    expect(retry.pending).toBe(false);
    vi.advanceTimersByTime(60_000);
    expect(runs).toHaveLength(5);
    retry.failed();
    vi.advanceTimersByTime(1_000);
    expect(runs).toHaveLength(6);
  });

  it('schedules nothing, and runs nothing, while it cannot send (the next connect flushes)', () => {
    let connected = true;
    const { retry, runs } = make(() => connected);
    retry.failed();
    connected = false;
    retry.proven();
    expect(runs).toHaveLength(0);
    retry.reset();
    retry.failed();
    expect(retry.pending).toBe(false);
  });
});
