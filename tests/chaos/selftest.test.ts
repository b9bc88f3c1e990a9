/**
 * The harness checks itself: a run where state is corrupted on purpose must fail,
 * with the right invariants named. Without this, a green chaos run could just as
 * well mean the observers or the snapshots are broken.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import Dexie from 'dexie';
import { IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { directConversationId } from '@pigeon/sync-protocol';
import { runChaos } from './run.ts';

describe('chaos harness self-test', () => {
  it('reports a message deleted on the server (1:1 and group), a device status moved backwards, a reaction nobody made and an attachment whose bytes changed on the server and a mute record nobody made', { timeout: 240_000 }, async () => {
    const sabotaged = { serverKey: '', groupKey: '', deviceKey: '', reactionKey: '', reactionDevice: '', blobId: '', muteChat: '' };
    const result = await runChaos({
      seed: 101,
      ops: 60,
      settleMs: 15_000,
      // This run fails on purpose; its data dir is no evidence of anything.
      keepDataOnFailure: false,
      sabotage: async (world, server) => {
        // Server: a stored message disappears (as a broken migration or a lost commit would do).
        // The oldest one: its sender has long had the ack, so nothing will resend it. (A newest
        // message may still sit in an outbox; its resend is stored again under a new seq and
        // the harness rightly reports only the gap.)
        // The same for a group's oldest text (the group checks must name it): one is waited for first.
        const file = path.join(server.dataDir, 'pigeon.sqlite');
        const oldest = (where: string) => {
          const db = new Database(file, { readonly: true });
          try {
            return db.prepare(`SELECT sender_id, client_id FROM messages WHERE ${where} ORDER BY rowid ASC LIMIT 1`).get() as { sender_id: string; client_id: string } | undefined;
          } finally {
            db.close();
          }
        };
        const GROUP_TEXT = "conversation_id LIKE 'g:%' AND type = 'text'";
        for (const deadline = Date.now() + 30_000; !oldest(GROUP_TEXT) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 250));
        // Attachments (#17): the bytes of an uploaded file change on the server's disk (a broken copy, bit rot), same
        // size: every device that must download it reads bytes that are not the file's. The seed's one send with files
        // (a PNG, sent offline near the end) is waited for until a message holds its attachment (a blob without its
        // record, left by an upload cut between commit and record, would be an orphan nobody reads); its server
        // thumbnail (<id>.thumb) is left alone.
        const held = () => {
          const db = new Database(file, { readonly: true });
          try {
            return (db.prepare('SELECT id FROM attachments WHERE holder_message_id IS NOT NULL ORDER BY rowid ASC LIMIT 1').get() as { id: string } | undefined)?.id;
          } finally {
            db.close();
          }
        };
        for (const deadline = Date.now() + 30_000; !held() && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 250));
        const blob = held();
        const blobPath = blob ? path.join(server.dataDir, 'attachments', blob) : '';
        if (blob && fs.existsSync(blobPath)) {
          const bytes = fs.readFileSync(blobPath);
          bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0xff;
          fs.writeFileSync(blobPath, bytes);
          sabotaged.blobId = blob;
        }
        await server.kill();
        const db = new Database(file);
        const row = db.prepare("SELECT sender_id, client_id FROM messages WHERE conversation_id LIKE 'dm:%' ORDER BY rowid ASC LIMIT 1").get() as
          | { sender_id: string; client_id: string }
          | undefined;
        const groupRow = db.prepare(`SELECT sender_id, client_id FROM messages WHERE ${GROUP_TEXT} ORDER BY rowid ASC LIMIT 1`).get() as typeof row;
        for (const r of [row, groupRow]) if (r) db.prepare('DELETE FROM messages WHERE sender_id = ? AND client_id = ?').run(r.sender_id, r.client_id);
        sabotaged.serverKey = row ? `${row.sender_id}:${row.client_id}` : '';
        sabotaged.groupKey = groupRow ? `${groupRow.sender_id}:${groupRow.client_id}` : '';
        // Mutes (#18): a record nobody made (a write gone astray), of the first user's chat with the last (spare)
        // account: the plan's mutes are between users with devices, so no change of that chat can explain it.
        const [first, spare] = [world.accounts[0]!, world.accounts[world.accounts.length - 1]!];
        sabotaged.muteChat = directConversationId(first.id, spare.id);
        db.prepare('INSERT INTO conversation_mutes (user_id, conversation_id, muted, changed_at) VALUES (?, ?, 1, ?)').run(first.id, sabotaged.muteChat, new Date().toISOString());
        db.close();
        await server.start();

        // Device: an acked message is written back to `pending` behind the engine's back,
        // on the first device that has one (and someone signed in, so that its live queries run).
        for (const device of world.devices) {
          if (!device.account) continue;
          const local = new Dexie(device.dbName, { indexedDB: device.idb as unknown as IDBFactory, IDBKeyRange });
          await local.open();
          const acked = await local
            .table('messages')
            .filter((m: { status: string }) => m.status === 'sent' || m.status === 'delivered' || m.status === 'read')
            .first();
          if (acked) await local.table('messages').update(acked.key, { status: 'pending' });
          local.close();
          if (acked) {
            sabotaged.deviceKey = acked.key;
            // The device's live query must see the regression before the heal can undo it.
            const seen = () => world.observations.some((o) => o.kind === 'status-backwards' && o.key === acked.key);
            for (const deadline = Date.now() + 15_000; !seen(); await new Promise((r) => setTimeout(r, 20))) {
              if (Date.now() > deadline) throw new Error(`${device.name} never observed ${acked.key} going back to pending`);
            }
            break;
          }
        }
        // And a reaction nobody made on an acked 1:1 message a device holds (message actions, #16), with a version far
        // ahead of the server's, so that no later copy (a status change brings the whole message again) replaces it.
        // On a device signed in as its own user, with no other account's unsent messages on it: the heal signs every
        // device back into its own account, and such guests in once more, and an account switch clears the local
        // rows, the sabotaged one with them. A CI run once found no such row on u0d0 (its only acked ones were the two
        // sabotaged above), put the ghost on u0d1 while it was signed in as u1, and the heal's switch back to u0 took it
        // away before any check could see it.
        const keepsItsRows = (d: (typeof world.devices)[number]) => d.account === d.home && world.accounts.every((a) => a === d.home || d.unsentOf(a) === 0);
        for (const device of world.devices) {
          if (!device.account || !keepsItsRows(device) || sabotaged.reactionKey) continue;
          const local = new Dexie(device.dbName, { indexedDB: device.idb as unknown as IDBFactory, IDBKeyRange });
          await local.open();
          const target = await local
            .table('messages')
            .filter(
              (m: { key: string; seq: number | null; conversationId: string; base?: unknown }) =>
                m.key !== sabotaged.deviceKey && m.key !== sabotaged.serverKey && m.seq !== null && !m.base && m.conversationId.startsWith('dm:'),
            )
            .first();
          if (target) {
            await local.table('messages').update(target.key, { reactions: [{ userId: 'ghost', emoji: '👻' }], version: 1000 });
            sabotaged.reactionKey = target.key;
            sabotaged.reactionDevice = `${device.name} (as ${device.account.username})`;
          }
          local.close();
        }
      },
    });
    expect(sabotaged.serverKey).not.toBe('');
    expect(sabotaged.groupKey).not.toBe('');
    expect(sabotaged.deviceKey).not.toBe('');
    expect(result.ok).toBe(false);
    const named = (inv: string) => result.violations.filter((v) => v.invariant === inv);
    expect(named('once-on-server').some((v) => v.keys?.includes(sabotaged.serverKey))).toBe(true);
    expect(named('status-monotonic').some((v) => v.keys?.includes(sabotaged.deviceKey))).toBe(true);
    // The ghost reaction: the device's row no longer matches the server's (the checks of message actions).
    expect(sabotaged.reactionKey).not.toBe('');
    expect(named('action-converge').some((v) => v.keys?.includes(sabotaged.reactionKey)), `the ghost reaction on ${sabotaged.reactionDevice}`).toBe(true);
    // The group's text: gone from the server (a gap in its seqs, unless it was the newest), kept by the devices of its members.
    expect(named('group-once').some((v) => v.keys?.includes(sabotaged.groupKey) && v.message.startsWith('lost'))).toBe(true);
    expect(named('group-converge').some((v) => v.keys?.includes(sabotaged.groupKey))).toBe(true);
    // The changed bytes: a device that downloads them (the recipient's) must not hand them out as the file.
    expect(sabotaged.blobId).not.toBe('');
    expect(named('attachment-bytes').some((v) => v.message.includes(sabotaged.blobId))).toBe(true);
    // The mute record nobody made: a phantom (the plan of seed 101 has mutes, so the mute checks run).
    expect(named('mute-lost').some((v) => v.message.startsWith('phantom') && v.message.includes(sabotaged.muteChat))).toBe(true);
    expect(result.dumpPath).not.toBeNull();
  });
});
