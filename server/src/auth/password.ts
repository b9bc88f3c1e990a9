import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Password hashing with scrypt (memory-hard, in node:crypto, no native add-on).
 * Stored format: `scrypt$N$r$p$<salt b64>$<key b64>`, so each hash carries its
 * own cost: raising the cost later leaves old hashes verifiable, and they are
 * upgraded at the next successful login (passwords.ts).
 *
 * Cost: N = 2^logN with r = 8, p = 1; memory is 128·N·r bytes, so the default
 * logN = 17 (OWASP's minimum for scrypt) takes 128 MiB and ~0.3 s of one core
 * per hash. How many run at once is passwords.ts's business, not this module's.
 */
const KEY_LENGTH = 32;
const SALT_BYTES = 16;
const R = 8;
const P = 1;
/** Stored hashes outside these bounds are treated as corrupt, so a bad record cannot ask for gigabytes. */
const MAX_STORED_LOG_N = 20;
const MAX_STORED_R = 16;
const MAX_STORED_P = 4;

interface Params {
  N: number;
  r: number;
  p: number;
}

function scryptAsync(password: string, salt: Buffer, keylen: number, { N, r, p }: Params): Promise<Buffer> {
  // scrypt refuses to run when its buffers (≈128·N·r plus 128·r·p) exceed maxmem; allow them plus headroom.
  const maxmem = 128 * r * (N + p + 2) + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keylen, { N, r, p, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

const paramsFor = (logN: number): Params => ({ N: 2 ** logN, r: R, p: P });

/** A new salted hash at cost 2^logN. */
export async function hashPassword(password: string, logN: number): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const { N, r, p } = paramsFor(logN);
  const key = await scryptAsync(password, salt, KEY_LENGTH, { N, r, p });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

interface ParsedHash extends Params {
  salt: Buffer;
  key: Buffer;
}

function parseHash(stored: string): ParsedHash | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0)) return null;
  // N must be a power of two above 1; the bounds keep a corrupt record's cost sane.
  if (N < 2 || (N & (N - 1)) !== 0 || N > 2 ** MAX_STORED_LOG_N || r > MAX_STORED_R || p > MAX_STORED_P) return null;
  const key = Buffer.from(parts[5]!, 'base64');
  if (key.length === 0) return null;
  return { N, r, p, salt: Buffer.from(parts[4]!, 'base64'), key };
}

/**
 * log2(N) of a stored hash, or null when it is not a hash this module wrote.
 * A stored hash cheaper than the current cost (or with other r, p) is re-hashed on login.
 */
export function hashCost(stored: string): { logN: number; r: number; p: number } | null {
  const parsed = parseHash(stored);
  return parsed ? { logN: Math.log2(parsed.N), r: parsed.r, p: parsed.p } : null;
}

export function isCurrentCost(stored: string, logN: number): boolean {
  const cost = hashCost(stored);
  return cost !== null && cost.logN >= logN && cost.r === R && cost.p === P;
}

/**
 * Constant-time check at the stored hash's own cost. A malformed stored hash
 * still costs one scrypt run at `fallbackLogN`, so a corrupt record can't be
 * told apart from a wrong password by timing.
 */
export async function verifyPassword(password: string, stored: string, fallbackLogN: number): Promise<boolean> {
  const parsed = parseHash(stored);
  const params = parsed ?? paramsFor(fallbackLogN);
  const salt = parsed?.salt ?? randomBytes(SALT_BYTES);
  const expected = parsed?.key ?? Buffer.alloc(KEY_LENGTH);
  const actual = await scryptAsync(password, salt, expected.length, params);
  return timingSafeEqual(actual, expected) && parsed !== null;
}

/**
 * A real hash of a random password at cost 2^logN, computed once per cost.
 * Login verifies unknown usernames against it, so "no such user" costs the same
 * KDF work as a wrong password at the current cost: timing doesn't reveal which
 * usernames exist.
 */
const decoys = new Map<number, Promise<string>>();
export function decoyHash(logN: number): Promise<string> {
  let decoy = decoys.get(logN);
  if (!decoy) {
    decoy = hashPassword(randomBytes(18).toString('base64'), logN);
    // A failed computation is retried next time rather than remembered.
    decoy.catch(() => decoys.delete(logN));
    decoys.set(logN, decoy);
  }
  return decoy;
}
