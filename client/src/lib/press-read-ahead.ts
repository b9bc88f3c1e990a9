/**
 * When a press on a chat's row starts reading that chat (MessengerPage `readAhead`, #20): the
 * click that opens it comes when the press ends, so the read can run during the press.
 *
 * A mouse or pen press reads at once: it is a click in the making. A finger on a phone's list is
 * as often the start of a scroll; the browser takes such a touch over once it moves past a few
 * pixels (`pointercancel`), usually within a few tens of milliseconds. So a touch waits
 * TOUCH_WAIT_MS first and reads only if it was not cancelled meanwhile: a scroll costs no read (its
 * first frames are what a read's work on the main thread would have delayed), and a tap, whose
 * press lasts about a tenth of a second, still gets most of that head start.
 */
export const TOUCH_WAIT_MS = 40;

export interface PressReadAhead {
  /** A primary press on the row of `id`. */
  press(id: string, pointerType: string): void;
  /**
   * The press became a scroll (`pointercancel`), or ended before its wait did (`pointerup`: a quick
   * tap, whose click reads the chat itself; a read started after it would only compete with the
   * chat opening): a touch not read yet is not read.
   */
  cancel(): void;
}

export function pressReadAhead(
  read: (id: string) => void,
  timers: { set: (fn: () => void, ms: number) => unknown; clear: (handle: unknown) => void } = {
    set: (fn, ms) => setTimeout(fn, ms),
    clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  },
): PressReadAhead {
  let waiting: unknown = null;
  const cancel = () => {
    if (waiting !== null) timers.clear(waiting);
    waiting = null;
  };
  return {
    press(id, pointerType) {
      cancel();
      if (pointerType !== 'touch') return read(id);
      waiting = timers.set(() => {
        waiting = null;
        read(id);
      }, TOUCH_WAIT_MS);
    },
    cancel,
  };
}
