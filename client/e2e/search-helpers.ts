/**
 * Helpers of the search and unread e2e files: accounts and messages made through the API (another
 * person on another device), the search box, a device that holds only part of its history, and
 * the docs' screenshots (`PIGEON_E2E_SHOTS=<dir>` only, as actions-helpers.ts).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { apiPost, PASSWORD, uniqueName, type ApiAuth, type TestServer } from './harness.ts';

export const WAIT = { timeout: 20_000, interval: 100 };

let counter = 0;
const clientId = () => `e2e-search-${Date.now().toString(36)}-${++counter}`;

export const register = (server: TestServer, username: string, displayName: string) =>
  apiPost<ApiAuth>(server, '/api/auth/register', { username, password: PASSWORD, displayName });

/** A 1:1 message through the API; resolves with its server id. */
export async function apiSend(server: TestServer, from: ApiAuth, to: ApiAuth, body: string): Promise<string> {
  const { message } = await apiPost<{ message: { id: string } }>(server, '/api/messages', { clientId: clientId(), to: to.user.id, body }, from.token);
  return message.id;
}

/**
 * Ann Lee with two chats, made through the API: "Lunch at noon?" from Ben Ode, then "See you soon"
 * from Cara Dune (the list's newest). The set-up of the first paint, list snapshot and list draft files.
 */
export async function annWithTwoChats(server: TestServer) {
  const [annName, benName, caraName] = [uniqueName('ann'), uniqueName('ben'), uniqueName('cara')];
  const ann = await register(server, annName, 'Ann Lee');
  const ben = await register(server, benName, 'Ben Ode');
  const cara = await register(server, caraName, 'Cara Dune');
  await apiSend(server, ben, ann, 'Lunch at noon?');
  await apiSend(server, cara, ann, 'See you soon');
  return { ann, ben, cara, annName, benName, caraName };
}

/** Types into the sidebar's one search box. */
export async function search(page: Page, text: string): Promise<void> {
  await page.getByTestId('people-search').fill(text);
}

export const messageResults = (page: Page) => page.getByTestId('message-result');

/** Waits until the message results answer `text` (trimmed), and returns how many there are. */
export async function messageResultsFor(page: Page, text: string): Promise<number> {
  const section = page.getByTestId('message-results');
  await expect
    .poll(async () => `${await section.getAttribute('data-state')}|${await section.getAttribute('data-query')}`, WAIT)
    .toBe(`done|${text.trim()}`);
  return messageResults(page).count();
}

/** The marked words of each message result, in order ("[pelican]"). */
export function markedWords(page: Page): Promise<string[][]> {
  return messageResults(page).evaluateAll((els) => els.map((el) => [...el.querySelectorAll('mark')].map((m) => m.textContent ?? '')));
}

/**
 * Makes this device hold only the newer part of its history (as a device that synced part of it
 * would): deletes the messages with seq ≤ `maxSeq` straight from IndexedDB, rows and blocks' (as
 * engine/local/message-blocks.ts keeps them). Reload after it.
 */
export function forgetOldMessages(page: Page, maxSeq: number, dbName = 'pigeon'): Promise<number> {
  return page.evaluate(
    async ({ name, max }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      // Messages are rows or in blocks (schema v11: a page's messages of one chat in one record).
      const blocks = db.objectStoreNames.contains('messageBlocks');
      const deleted = await new Promise<number>((resolve, reject) => {
        let n = 0;
        const tx = db.transaction(['messages', ...(blocks ? ['messageBlocks'] : [])], 'readwrite');
        const req = tx.objectStore('messages').openCursor();
        req.onsuccess = () => {
          const cursor = req.result;
          if (!cursor) return;
          const row = cursor.value as { seq: number | null };
          if (row.seq !== null && row.seq <= max) {
            cursor.delete();
            n++;
          }
          cursor.continue();
        };
        if (blocks) {
          type Row = { key: string; id: string; seq: number; reader?: string; status: string; conversationId: string };
          const breq = tx.objectStore('messageBlocks').openCursor();
          breq.onsuccess = () => {
            const cursor = breq.result;
            if (!cursor) return;
            // Its rows as one JSON text (packBlock), or themselves in a block stored before packing.
            const { packedRows, rows: unpacked, ...block } = cursor.value as { packedRows?: string; rows?: Row[] };
            const rows = packedRows === undefined ? unpacked! : (JSON.parse(packedRows) as Row[]);
            const kept = rows.filter((r) => r.seq > max);
            n += rows.length - kept.length;
            if (kept.length === 0) cursor.delete();
            else if (kept.length < rows.length) {
              const unread = new Map(kept.filter((r) => r.reader && (r.status === 'sent' || r.status === 'delivered')).map((r) => [r.status, [r.reader, r.status, r.conversationId]]));
              cursor.update({ ...block, packedRows: JSON.stringify(kept), keys: kept.map((r) => r.key), ids: kept.map((r) => r.id), unread: [...unread.values()] });
            }
            cursor.continue();
          };
        }
        tx.oncomplete = () => resolve(n);
        tx.onerror = () => reject(tx.error);
      });
      db.close();
      return deleted;
    },
    { name: dbName, max: maxSeq },
  );
}

/** Whether keyboard focus is on the bubble of the message with this server id. */
export const focusedMessageId = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('data-message-id') ?? null);

/** `PIGEON_E2E_SHOTS=<dir>` only: saves <dir>/<name>.png (search-*, unread-*) after two painted frames. */
export async function shot(page: Page, name: string): Promise<void> {
  const dir = process.env.PIGEON_E2E_SHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.screenshot({ path: join(dir, `${name}.png`) });
}
