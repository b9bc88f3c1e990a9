import type { LocalAttachment, LocalMessage } from '@pigeon/sync-protocol/engine';
import { computed, nextTick, ref, type Ref } from 'vue';
import { showsInline } from '../lib/attachments.ts';

/**
 * The lightbox of a message list: the chat's photos as far as the list holds them, and the one
 * shown. A photo is named by its message's key and its place in the message, which an ack does not
 * change (its id goes from `local:` to the server's while the lightbox may be open). Closing gives
 * focus back to the photo shown last if its bubble shows it, else to the one it was opened on.
 */
export function useGallery(messages: () => readonly LocalMessage[], scroller: Readonly<Ref<HTMLElement | null>>) {
  const gallery = computed(() =>
    messages().flatMap((m) => (m.deletedAt ? [] : (m.attachments ?? []).flatMap((a, i) => (showsInline(a) ? [{ ref: `${m.key}/${i}`, attachment: a }] : [])))),
  );
  const items = computed<LocalAttachment[]>(() => gallery.value.map((g) => g.attachment));
  const viewing = ref<{ ref: string; from: string } | null>(null);
  const idOf = (ref: string) => gallery.value.find((g) => g.ref === ref)?.attachment.id ?? null;
  /** null: closed (or its photo left the list: deleted, hidden). */
  const currentId = computed(() => (viewing.value ? idOf(viewing.value.ref) : null));

  function view(message: LocalMessage, attachmentId: string) {
    const ref = `${message.key}/${(message.attachments ?? []).findIndex((a) => a.id === attachmentId)}`;
    viewing.value = { ref, from: ref };
  }

  function show(attachmentId: string) {
    const ref = gallery.value.find((g) => g.attachment.id === attachmentId)?.ref;
    if (ref && viewing.value) viewing.value = { ...viewing.value, ref };
  }

  function close() {
    const v = viewing.value;
    viewing.value = null;
    if (!v) return;
    const cell = (ref: string) => {
      const id = idOf(ref);
      return id ? scroller.value?.querySelector<HTMLElement>(`[data-testid="attachment-image"][data-attachment-id="${CSS.escape(id)}"]`) : null;
    };
    void nextTick(() => (cell(v.ref) ?? cell(v.from))?.focus());
  }

  return { items, currentId, view, show, close };
}
