import { randomUUID } from 'node:crypto';
import { PigeonError } from '@pigeon/sync-protocol';
import type { Collection } from 'mongodb';
import { isDuplicateKey } from './errors.ts';

/** Runs write sections one after another. */
export interface WriteLane {
  run<T>(task: () => Promise<T>): Promise<T>;
}

/** In-process only; a failed task does not block the next. */
export class SerialQueue implements WriteLane {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => {});
    return result;
  }
}

export interface LockDoc {
  _id: string;
  owner: string;
  expiresAt: Date;
}

export interface SharedLockOptions {
  /** A holder that died is presumed gone after this long. */
  leaseMs?: number;
  /** Give up acquiring (UNAVAILABLE) after this long. */
  acquireTimeoutMs?: number;
}

/**
 * One writer at a time across every process on the database, built on the one
 * primitive that is atomic on FerretDB 1.x as on MongoDB: an insert into a unique
 * index. (FerretDB 1.x applies updates as read-modify-write with no concurrency
 * control, so concurrent `$inc`s lose increments and a conditional `$set` can move
 * a status backwards; see docs/operations.md.) On MongoDB it is optional: it also
 * makes change-log positions commit in order across nodes, at the price of
 * serialising their writes.
 */
export class SharedWriteLock implements WriteLane {
  private readonly local = new SerialQueue();
  private readonly owner = randomUUID();
  private readonly leaseMs: number;
  private readonly acquireTimeoutMs: number;

  constructor(
    private readonly locks: Collection<LockDoc>,
    private readonly name = 'writes',
    options: SharedLockOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 30_000;
    this.acquireTimeoutMs = options.acquireTimeoutMs ?? 30_000;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    return this.local.run(async () => {
      await this.acquire();
      try {
        return await task();
      } finally {
        await this.locks.deleteOne({ _id: this.name, owner: this.owner });
      }
    });
  }

  private async acquire(): Promise<void> {
    const deadline = Date.now() + this.acquireTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.locks.insertOne({ _id: this.name, owner: this.owner, expiresAt: new Date(Date.now() + this.leaseMs) });
        return;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      const holder = await this.locks.findOne({ _id: this.name });
      if (holder && holder.expiresAt.getTime() < Date.now()) {
        // The holder outlived its lease (crashed, or stalled): take over.
        await this.locks.deleteOne({ _id: this.name, owner: holder.owner });
        continue;
      }
      if (Date.now() > deadline) {
        throw new PigeonError('UNAVAILABLE', `write lock "${this.name}" busy`, { holder: holder?.owner });
      }
      // Short, jittered waits: sections take a few milliseconds.
      const wait = Math.min(2 ** Math.min(attempt, 5), 25) * (0.5 + Math.random());
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
