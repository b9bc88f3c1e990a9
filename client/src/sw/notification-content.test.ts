import type { PushPayload } from '@pigeon/sync-protocol';
import { describe, expect, it } from 'vitest';
import { attachmentsText, messageLine, planNotification, readData } from './notification-content.ts';

const payload = (over: Partial<PushPayload> = {}): PushPayload => ({
  v: 1,
  kind: 'message',
  conversationId: 'c1',
  messageId: 'm1',
  seq: 1,
  sentAt: '2026-12-01T10:00:00.000Z',
  sender: { id: 'u1', displayName: 'Alice' },
  groupTitle: null,
  text: 'Hello there',
  photos: 0,
  files: 0,
  ...over,
});

describe('notification text', () => {
  it('names photos and files when there is no text', () => {
    expect(attachmentsText(0, 0)).toBeNull();
    expect(attachmentsText(1, 0)).toBe('📷 Photo');
    expect(attachmentsText(3, 0)).toBe('📷 3 photos');
    expect(attachmentsText(0, 1)).toBe('📎 File');
    expect(attachmentsText(0, 2)).toBe('📎 2 files');
    expect(attachmentsText(1, 2)).toBe('📷 Photo, 📎 2 files');
  });

  it('uses the text, else the attachments, else "New message" (preview off)', () => {
    expect(messageLine({ text: 'hi', photos: 2, files: 0 })).toBe('hi');
    expect(messageLine({ text: null, photos: 2, files: 0 })).toBe('📷 2 photos');
    expect(messageLine({ text: '  ', photos: 0, files: 1 })).toBe('📎 File');
    expect(messageLine({ text: null, photos: 0, files: 0 })).toBe('New message');
  });
});

describe('planNotification', () => {
  it('1:1: the sender is the title and the message the body, tagged by chat', () => {
    const plan = planNotification(payload(), null);
    expect(plan.title).toBe('Alice');
    expect(plan.options).toMatchObject({ body: 'Hello there', tag: 'c1', renotify: false, icon: '/icons/icon-192.png' });
    expect(plan.options.data).toEqual({ conversationId: 'c1', messageId: 'm1', count: 1 });
    expect(plan.options.timestamp).toBe(Date.parse('2026-12-01T10:00:00.000Z'));
  });

  it('group: the group is the title and the sender prefixes the body', () => {
    const plan = planNotification(payload({ groupTitle: 'Book club', text: null, photos: 1 }), null);
    expect(plan.title).toBe('Book club');
    expect(plan.options.body).toBe('Alice: 📷 Photo');
  });

  it('collapses a chat into "N new messages" and alerts again', () => {
    const second = planNotification(payload({ messageId: 'm2' }), { conversationId: 'c1', messageId: 'm1', count: 1 });
    expect(second.options).toMatchObject({ body: '2 new messages', renotify: true, tag: 'c1' });
    expect(second.options.data).toEqual({ conversationId: 'c1', messageId: 'm2', count: 2 });
    const third = planNotification(payload({ messageId: 'm3', groupTitle: 'G' }), second.options.data);
    expect(third.options.body).toBe('3 new messages');
    expect(third.title).toBe('G');
  });

  it('a redelivered push of the same message keeps the count and stays quiet', () => {
    const again = planNotification(payload({ messageId: 'm2' }), { conversationId: 'c1', messageId: 'm2', count: 2 });
    expect(again.options).toMatchObject({ body: '2 new messages', renotify: false });
  });

  it('reads only data of its own shape', () => {
    expect(readData(null)).toBeNull();
    expect(readData({ conversationId: 'c1' })).toBeNull();
    expect(readData({ conversationId: 'c1', messageId: 'm1' })).toEqual({ conversationId: 'c1', messageId: 'm1', count: 1 });
    expect(readData({ conversationId: 'c1', messageId: 'm1', count: 4 })).toEqual({ conversationId: 'c1', messageId: 'm1', count: 4 });
  });
});

describe('notifications in French', () => {
  it('say photos, files, a count and a nameless group in the chosen language', async () => {
    const { NOTIFICATION_TEXTS } = await import('./notification-text.ts');
    const fr = NOTIFICATION_TEXTS.fr;
    expect(attachmentsText(1, 2, fr)).toBe('📷 Photo, 📎 2 fichiers');
    expect(messageLine({ text: null, photos: 0, files: 0 }, fr)).toBe('Nouveau message');
    const group = payload({ groupTitle: '' });
    expect(planNotification(group, null, fr).title).toBe('Groupe');
    expect(planNotification(payload({ messageId: 'm2' }), { conversationId: 'c1', messageId: 'm1', count: 2 }, fr).options.body).toBe('3 nouveaux messages');
  });

  it('the worker reads the language the app kept in Cache Storage, else the browser’s', async () => {
    const { workerLocale, shareLocale, LOCALE_URL } = await import('./locale.ts');
    const store = new Map<string, string>();
    const caches = {
      open: async () => ({
        match: async (url: string) => (store.has(url) ? new Response(store.get(url)) : undefined),
        put: async (url: string, res: Response) => void store.set(url, await res.text()),
      }),
    } as unknown as CacheStorage;
    expect(await workerLocale(caches, ['fr-FR'])).toBe('fr');
    shareLocale(caches, 'en');
    await expect.poll(() => store.get(LOCALE_URL)).toBe('en');
    expect(await workerLocale(caches, ['fr-FR'])).toBe('en');
  });
});
