import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCheckpointer, type Checkpointer } from './checkpointer.mjs';
import { messagesInMainFile as countInMainFile } from './testing/inspect-main-file.ts';
import { createSqliteStore } from './sqlite-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'pigeon-checkpointer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const freshFile = () => join(dir, `store-${++counter}.sqlite`);

const messagesInMainFile = (file: string) => countInMainFile(file, join(dir, 'main-only.sqlite'));

/**
 * A writer (the store, in-process) and a checkpointer on one fresh file, both closed afterwards.
 * `send(n, tag)` commits n messages from ann to bob in one group commit.
 */
async function withWriterAndCheckpointer(
  test: (file: string, checkpointer: Checkpointer, send: (count: number, tag: string) => Promise<unknown>) => Promise<void>,
): Promise<void> {
  const file = freshFile();
  const writer = await createSqliteStore({ file });
  const checkpointer = openCheckpointer(file);
  try {
    const a = await writer.createUser({ username: 'ann', displayName: 'Ann', passwordHash: 'h' });
    const b = await writer.createUser({ username: 'bob', displayName: 'Bob', passwordHash: 'h' });
    const send = (count: number, tag: string) =>
      writer.sendMessages(Array.from({ length: count }, (_, i) => ({ senderId: a.id, recipientId: b.id, clientId: `${tag}-${i}`, body: `m ${i}` })));
    await test(file, checkpointer, send);
  } finally {
    checkpointer.close();
    await writer.close();
  }
}

describe('background checkpointer', () => {
  it('copies what the writer committed into the main file, beside the open writer', () =>
    withWriterAndCheckpointer(async (file, checkpointer, send) => {
      await send(300, 'a');
      // The writer's own checkpoint waits for 10,000 WAL pages: so far everything is in the WAL only.
      expect(messagesInMainFile(file)).toBe(0);

      const round = checkpointer.round();
      expect(round.busy).toBe(false);
      expect(round.walFrames).toBeGreaterThan(0);
      expect(round.checkpointed).toBe(round.walFrames);
      expect(messagesInMainFile(file)).toBe(300);
    }));

  it('once it has copied every frame, the writer starts the WAL over instead of growing it', () =>
    withWriterAndCheckpointer(async (file, checkpointer, send) => {
      await send(300, 'a');
      const before = checkpointer.round();
      await send(1, 'b');
      const after = checkpointer.round();
      expect(after.walFrames).toBeLessThan(before.walFrames);
      expect(after.checkpointed).toBe(after.walFrames);
      expect(messagesInMainFile(file)).toBe(301);
    }));

  it('never creates a database: a wrong path is an error', () => {
    expect(() => openCheckpointer(join(dir, 'missing.sqlite'))).toThrow();
  });
});
