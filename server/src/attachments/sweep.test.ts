import { describe, expect, it } from 'vitest';
import type { AttachmentRecord } from '../store/store.ts';
import { startAttachmentSweep, SWEEP_BATCH } from './sweep.ts';

const record = (id: string, over: Partial<AttachmentRecord> = {}): AttachmentRecord => ({
  id, name: id, mime: 'text/plain', size: 1, sha256: 'x', uploaderId: 'u', clientId: `c-${id}`, createdAt: '2026-01-01T00:00:00.000Z', holder: null, deletedAt: null, ...over,
});
const noTimers = { setTimeout: () => null, clearTimeout: () => {} };
const log = { info: () => {}, debug: () => {}, warn: () => {} };

describe('startAttachmentSweep', () => {
  it('removes due records first, then their bytes and thumbnails, then stale staging, with one cutoff', async () => {
    const calls: string[] = [];
    let due = [record('a'), record('b', { deletedAt: '2026-01-02T00:00:00.000Z' })];
    const sweep = startAttachmentSweep({
      store: {
        attachmentsToSweep: async (before) => (calls.push(`list ${before}`), due),
        // 'b' was taken by a send meanwhile on another node: the store keeps it.
        removeAttachments: async (ids) => (calls.push(`remove ${ids.join()}`), (due = []), ['a']),
      },
      blobs: { delete: async (id) => void calls.push(`delete ${id}`), sweepStaged: async (before) => (calls.push(`staged ${before.toISOString()}`), 2) },
      log,
      intervalMs: 3_600_000,
      orphanTtlMs: 86_400_000,
      now: () => Date.parse('2026-01-03T00:00:00.000Z'),
      timers: noTimers,
    });
    expect(await sweep.runOnce()).toEqual({ removed: 1, staged: 2 });
    expect(calls).toEqual([
      'list 2026-01-02T00:00:00.000Z',
      'remove a,b',
      'delete a',
      'delete a.thumb',
      'staged 2026-01-02T00:00:00.000Z',
    ]);
    await sweep.close();
    expect(await sweep.runOnce()).toEqual({ removed: 0, staged: 0 });
  });

  it('stops when a full batch removes nothing (another node got there), and never rejects', async () => {
    let lists = 0;
    const full = Array.from({ length: SWEEP_BATCH }, (_, i) => record(`r${i}`));
    const sweep = startAttachmentSweep({
      store: { attachmentsToSweep: async () => (lists++, full), removeAttachments: async () => [] },
      blobs: { delete: async () => {}, sweepStaged: async () => Promise.reject(new Error('disk gone')) },
      log,
      intervalMs: 1000,
      orphanTtlMs: 1000,
      timers: noTimers,
    });
    expect(await sweep.runOnce()).toEqual({ removed: 0, staged: 0 });
    expect(lists).toBe(1);
    await sweep.close();
  });
});
