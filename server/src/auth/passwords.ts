import type { Logger } from '../log.ts';
import type { Store } from '../store/store.ts';
import { HashQueue } from './hash-queue.ts';
import { decoyHash, hashPassword, isCurrentCost, verifyPassword } from './password.ts';

export interface PasswordPolicy {
  /** scrypt cost, log2(N) (config.scryptLogN). */
  scryptLogN: number;
  /** Hashes running at once (config.passwordHashConcurrency), capped by the libuv pool below. */
  passwordHashConcurrency: number;
  /** Hashes allowed to wait (config.passwordHashQueue). */
  passwordHashQueue: number;
}

/** Threads of libuv's pool that hashing leaves to everything else (fs, zlib, HMAC of the JWT check, DNS). */
const THREADS_KEPT_FREE = 2;

/** libuv's pool size: UV_THREADPOOL_SIZE when the process was started with it, else 4. */
export function threadPoolSize(env: NodeJS.ProcessEnv = process.env): number {
  const size = Number(env.UV_THREADPOOL_SIZE);
  return Number.isInteger(size) && size > 0 ? size : 4;
}

/** Hashes allowed at once: the configured number, but never more than the pool minus the threads kept free (at least 1). */
export function effectiveHashConcurrency(configured: number, poolSize = threadPoolSize()): number {
  return Math.max(1, Math.min(configured, poolSize - THREADS_KEPT_FREE));
}

/**
 * The one owner of password hashing policy: cost, how many hashes run at once
 * and how many may wait (past that: RATE_LIMITED, see HashQueue), the decoy for
 * unknown users, and upgrading hashes stored at a lower cost.
 */
export class Passwords {
  private readonly queue: HashQueue;
  readonly logN: number;

  constructor(
    policy: PasswordPolicy,
    private readonly store: Pick<Store, 'setPasswordHash'>,
    private readonly log: Logger,
  ) {
    this.logN = policy.scryptLogN;
    this.queue = new HashQueue({
      concurrency: effectiveHashConcurrency(policy.passwordHashConcurrency),
      maxWaiting: policy.passwordHashQueue,
    });
  }

  /** Computes the decoy now, so the first unknown-user login costs what later ones do. */
  warmUp(): void {
    void decoyHash(this.logN).catch((err: unknown) => this.log.warn({ err }, 'decoy hash failed'));
  }

  /** A new hash at the current cost; throws RATE_LIMITED when too many hashes wait. */
  hash(password: string): Promise<string> {
    return this.queue.run(() => hashPassword(password, this.logN));
  }

  /**
   * Checks a password against the stored hash, or, when there is no such user
   * (`stored` null), against the decoy at the current cost: same work, same answer.
   */
  async verify(password: string, stored: string | null): Promise<boolean> {
    const against = stored ?? (await decoyHash(this.logN));
    const valid = await this.queue.run(() => verifyPassword(password, against, this.logN));
    return valid && stored !== null;
  }

  /**
   * Login's check: loads the user (null when unknown) and verifies the password
   * against its hash or the decoy. Resolves the user when the password is right,
   * null otherwise. When the hash queue is full it refuses (RATE_LIMITED) before
   * the load, so an overflowing flood costs no store read either.
   */
  async verifyUser<U extends { passwordHash: string }>(password: string, load: () => Promise<U | null>): Promise<U | null> {
    this.queue.assertRoom();
    const user = await load();
    return (await this.verify(password, user?.passwordHash ?? null)) ? user : null;
  }

  /**
   * After a successful login: re-hash a password stored at a lower cost. Best
   * effort: when the queue is full or the store fails, the login still succeeds
   * and the next one tries again.
   */
  async upgradeIfWeak(userId: string, password: string, stored: string): Promise<void> {
    if (isCurrentCost(stored, this.logN)) return;
    try {
      await this.store.setPasswordHash(userId, await this.hash(password));
      this.log.info({ userId, logN: this.logN }, 'password hash upgraded to the current cost');
    } catch (err) {
      this.log.warn({ err, userId }, 'password hash upgrade failed; will retry at the next login');
    }
  }
}
