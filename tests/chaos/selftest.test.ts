/**
 * The harness checks itself: a run where state is corrupted on purpose must fail,
 * with the right invariants named. Without this, a green chaos run could just as
 * well mean the observers or the snapshots are broken.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import Dexie from 'dexie';
import { IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { runChaos } from './run.ts';

describe('chaos harness self-test', () => {
  it('reports a message deleted on the server and a device status moved backwards', { timeout: 240_000 }, async () => {
    const sabotaged = { serverKey: '', deviceKey: '' };
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
        await server.kill();
        const db = new Database(path.join(server.dataDir, 'pigeon.sqlite'));
        const row = db.prepare('SELECT sender_id, client_id FROM messages ORDER BY rowid ASC LIMIT 1').get() as
          | { sender_id: string; client_id: string }
          | undefined;
        if (row) db.prepare('DELETE FROM messages WHERE sender_id = ? AND client_id = ?').run(row.sender_id, row.client_id);
        db.close();
        sabotaged.serverKey = row ? `${row.sender_id}:${row.client_id}` : '';
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
      },
    });
    expect(sabotaged.serverKey).not.toBe('');
    expect(sabotaged.deviceKey).not.toBe('');
    expect(result.ok).toBe(false);
    const named = (inv: string) => result.violations.filter((v) => v.invariant === inv);
    expect(named('once-on-server').some((v) => v.keys?.includes(sabotaged.serverKey))).toBe(true);
    expect(named('status-monotonic').some((v) => v.keys?.includes(sabotaged.deviceKey))).toBe(true);
    expect(result.dumpPath).not.toBeNull();
  });
});
