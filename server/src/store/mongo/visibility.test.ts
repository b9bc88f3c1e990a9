import { describe, expect, it } from 'vitest';
import { VisibilityGuard } from './visibility.ts';

describe('VisibilityGuard', () => {
  it('caps a read at the bound of a write that was in flight during it', async () => {
    const guard = new VisibilityGuard();
    guard.observe(10);
    const before = guard.begin(); // bound 11
    let inside = 0;
    const { ceiling } = await guard.read(async () => {
      inside = guard.begin(); // begins during the read: bound 11 as well
      return null;
    });
    expect(ceiling).toBe(11);
    guard.allocated(before, 20, 5);
    guard.end(before);
    guard.allocated(inside, 25, 5);
    // A read starting now only sees the exact start of the one still in flight.
    expect((await guard.read(async () => null)).ceiling).toBe(21);
    guard.end(inside);
    expect((await guard.read(async () => null)).ceiling).toBe(Infinity);
  });

  it('settled waits for the writes in flight, not for later ones', async () => {
    const guard = new VisibilityGuard();
    const first = guard.begin();
    let done = false;
    const settled = guard.settled().then(() => (done = true));
    const later = guard.begin();
    await Promise.resolve();
    expect(done).toBe(false);
    guard.end(first);
    await settled;
    expect(done).toBe(true);
    expect(guard.pendingWrites).toBe(1);
    guard.end(later);
  });
});
