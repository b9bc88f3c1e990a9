import { getCurrentScope, onScopeDispose } from 'vue';

export interface LongPressHandlers {
  onTouchstart(event: TouchEvent): void;
  onTouchmove(event: TouchEvent): void;
  onTouchend(event: TouchEvent): void;
  onTouchcancel(): void;
}

/** A hold shorter than this is a tap; a finger that moves further than MOVE_PX is a scroll. */
const HOLD_MS = 500;
const MOVE_PX = 10;

/**
 * A long press on a touch screen: `fire` with the touch point after HOLD_MS of one finger held
 * still. The touchend of a press that fired is cancelled, so no click (and no text selection
 * callout) follows it; a scroll or a second finger cancels the press.
 *
 * @example
 * const press = useLongPress((x, y) => openMenu(x, y));
 * // <li @touchstart="press.onTouchstart" @touchmove="press.onTouchmove" …>
 */
export function useLongPress(fire: (x: number, y: number) => void): LongPressHandlers {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let start: { x: number; y: number } | null = null;
  let fired = false;

  function cancel() {
    if (timer) clearTimeout(timer);
    timer = null;
    start = null;
  }

  if (getCurrentScope()) onScopeDispose(cancel);

  return {
    onTouchstart(event) {
      cancel();
      fired = false;
      if (event.touches.length !== 1) return;
      const t = event.touches[0]!;
      start = { x: t.clientX, y: t.clientY };
      timer = setTimeout(() => {
        timer = null;
        if (!start) return;
        fired = true;
        fire(start.x, start.y);
      }, HOLD_MS);
    },
    onTouchmove(event) {
      const t = event.touches[0];
      if (!start || !t || event.touches.length !== 1 || Math.hypot(t.clientX - start.x, t.clientY - start.y) > MOVE_PX) cancel();
    },
    onTouchend(event) {
      cancel();
      if (fired && event.cancelable) event.preventDefault();
    },
    onTouchcancel: cancel,
  };
}
