import { ref } from 'vue';

/** Whether a drag carries files (not text or a link dragged within the page). */
const carriesFiles = (event: DragEvent) => [...(event.dataTransfer?.types ?? [])].includes('Files');

/**
 * Files dropped onto a chat pane go to its composer's tray. `over` is true while files are
 * dragged over the pane (it shows a drop hint); entering and leaving children are counted so the
 * hint does not flicker. `enabled` false (blocked, read-only group): drops are ignored.
 */
export function useFileDrop(onFiles: (files: File[]) => void, enabled: () => boolean) {
  const over = ref(false);
  let depth = 0;

  function dragenter(event: DragEvent) {
    if (!carriesFiles(event) || !enabled()) return;
    event.preventDefault();
    depth++;
    over.value = true;
  }
  function dragover(event: DragEvent) {
    if (!carriesFiles(event) || !enabled()) return;
    event.preventDefault(); // allows the drop
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
  }
  function dragleave(event: DragEvent) {
    if (!carriesFiles(event)) return;
    depth = Math.max(0, depth - 1);
    if (depth === 0) over.value = false;
  }
  function drop(event: DragEvent) {
    depth = 0;
    over.value = false;
    if (!carriesFiles(event) || !enabled()) return;
    event.preventDefault(); // or the browser opens the file instead of the app
    const files = [...(event.dataTransfer?.files ?? [])];
    if (files.length > 0) onFiles(files);
  }
  return { over, handlers: { dragenter, dragover, dragleave, drop } };
}
