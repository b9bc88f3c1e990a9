/**
 * The attachments sweep (docs/operations.md, "Attachments"): every ATTACHMENT_SWEEP_MS it removes
 *  - orphans: uploads never sent, created over ATTACHMENT_ORPHAN_TTL_MS ago;
 *  - deleted attachments (their message deleted for everyone; the bytes usually went at once,
 *    attachment-service.ts deleteBytesOf, and are deleted again here, idempotently);
 *  - staged uploads nobody appended to for ATTACHMENT_ORPHAN_TTL_MS.
 *
 * Safe on several nodes at once: the store removes a record only if it is still due
 * (removeAttachments re-checks in its write, so a send that took an orphan meanwhile keeps it),
 * and only the ids it removed get their bytes deleted; blob deletes are idempotent. The record
 * goes first: a node dying between the two leaves bytes without a record (a leak of one file),
 * never a record without bytes that a message could still carry.
 *
 * Timers like auth/session-purge.ts: the next run starts `intervalMs` after the previous ended.
 */
import type { Logger } from '../log.ts';
import type { Store } from '../store/store.ts';
import { startPeriodic, type PeriodicTimers } from '../util/periodic.ts';
import { thumbnailBlobId, type BlobStore } from './blob-store.ts';

/** Records handled per store round trip. */
export const SWEEP_BATCH = 100;
/** The first sweep, after start-up has settled. */
export const SWEEP_FIRST_DELAY_MS = 90_000;

export type SweepTimers = PeriodicTimers;

export interface AttachmentSweepOptions {
  store: Pick<Store, 'attachmentsToSweep' | 'removeAttachments'>;
  blobs: Pick<BlobStore, 'delete' | 'sweepStaged'>;
  log: Pick<Logger, 'info' | 'debug' | 'warn'>;
  intervalMs: number;
  orphanTtlMs: number;
  firstDelayMs?: number;
  now?: () => number;
  timers?: SweepTimers;
}

export interface SweepResult {
  /** Records removed (orphans and deleted ones), their bytes with them. */
  removed: number;
  /** Abandoned staged uploads removed. */
  staged: number;
}

export interface AttachmentSweep {
  /** One sweep now (shared with one in progress). Never rejects: a failure is logged and counts 0. */
  runOnce(): Promise<SweepResult>;
  /** Stops the timer and waits for a sweep in progress. Idempotent. */
  close(): Promise<void>;
}

export function startAttachmentSweep(o: AttachmentSweepOptions): AttachmentSweep {
  const now = o.now ?? Date.now;
  let closed = false;

  async function sweepRecords(orphanedBefore: string): Promise<number> {
    let removed = 0;
    for (;;) {
      if (closed) return removed;
      const due = await o.store.attachmentsToSweep(orphanedBefore, SWEEP_BATCH);
      if (due.length === 0) return removed;
      const gone = await o.store.removeAttachments(
        due.map((r) => r.id),
        orphanedBefore,
      );
      for (const id of gone) {
        await o.blobs.delete(id);
        await o.blobs.delete(thumbnailBlobId(id));
      }
      removed += gone.length;
      // Nothing of this batch could be removed (another node took them, or sends did): stop, or we would loop.
      if (gone.length === 0 || due.length < SWEEP_BATCH) return removed;
    }
  }

  async function sweep(): Promise<SweepResult> {
    const cutoff = new Date(now() - o.orphanTtlMs);
    const result: SweepResult = { removed: 0, staged: 0 };
    try {
      result.removed = await sweepRecords(cutoff.toISOString());
      result.staged = await o.blobs.sweepStaged(cutoff);
      if (result.removed + result.staged > 0) o.log.info({ ...result }, 'attachments swept');
      else o.log.debug('no attachments to sweep');
    } catch (err) {
      o.log.warn({ err, ...result }, 'sweeping attachments failed; trying again at the next interval');
    }
    return result;
  }

  const periodic = startPeriodic({
    run: sweep,
    idle: { removed: 0, staged: 0 },
    firstDelayMs: o.firstDelayMs ?? Math.min(SWEEP_FIRST_DELAY_MS, o.intervalMs),
    intervalMs: o.intervalMs,
    timers: o.timers,
  });
  return {
    runOnce: periodic.runOnce,
    close() {
      // A sweep in progress stops between batches.
      closed = true;
      return periodic.close();
    },
  };
}
