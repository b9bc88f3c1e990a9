import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useLongPress } from './useLongPress.ts';

/** Just what the handlers read of a TouchEvent. */
function touch(points: { x: number; y: number }[], cancelable = true) {
  return { touches: points.map((p) => ({ clientX: p.x, clientY: p.y })), cancelable, preventDefault: vi.fn() } as unknown as TouchEvent & { preventDefault: ReturnType<typeof vi.fn> };
}

describe('useLongPress', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('fires after 500 ms held still, and cancels the touchend (no click follows)', () => {
    const fire = vi.fn();
    const press = useLongPress(fire);
    press.onTouchstart(touch([{ x: 10, y: 20 }]));
    vi.advanceTimersByTime(499);
    expect(fire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fire).toHaveBeenCalledWith(10, 20);
    const end = touch([]);
    press.onTouchend(end);
    expect(end.preventDefault).toHaveBeenCalled();
  });

  it('a tap, a scroll or a second finger is no long press', () => {
    const fire = vi.fn();
    const press = useLongPress(fire);
    press.onTouchstart(touch([{ x: 0, y: 0 }]));
    vi.advanceTimersByTime(200);
    const end = touch([]);
    press.onTouchend(end);
    vi.advanceTimersByTime(1_000);
    expect(end.preventDefault).not.toHaveBeenCalled();

    press.onTouchstart(touch([{ x: 0, y: 0 }]));
    press.onTouchmove(touch([{ x: 0, y: 15 }]));
    vi.advanceTimersByTime(1_000);

    press.onTouchstart(touch([{ x: 0, y: 0 }, { x: 50, y: 50 }]));
    vi.advanceTimersByTime(1_000);
    expect(fire).not.toHaveBeenCalled();

    // A small wobble is still holding still.
    press.onTouchstart(touch([{ x: 0, y: 0 }]));
    press.onTouchmove(touch([{ x: 3, y: 4 }]));
    vi.advanceTimersByTime(500);
    expect(fire).toHaveBeenCalledTimes(1);
  });
});
