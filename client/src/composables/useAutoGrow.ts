import type { Ref } from 'vue';

/**
 * A textarea that grows with its text up to its CSS max-height, then scrolls inside (the composer).
 * `fit` is `resize` except for an empty field: its own height (one row, the CSS height) is what
 * `resize` would set, and reading scrollHeight forces a layout of the whole chat pane in the task
 * that opens a chat (issue #20), so an empty field only drops the height a longer text had set.
 */
export function useAutoGrow(input: Readonly<Ref<HTMLTextAreaElement | null>>, text: Readonly<Ref<string>>) {
  function resize() {
    const el = input.value;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${el.scrollHeight}px`;
  }
  function fit() {
    if (text.value) resize();
    else if (input.value) input.value.style.height = '';
  }
  return { resize, fit };
}
