import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashing with scrypt (memory-hard, in node:crypto, no native add-on).
 * Stored format: `scrypt$N$r$p$<salt b64>$<key b64>` so the cost can be raised
 * later without breaking existing hashes.
 */
const KEY_LENGTH = 32;
const SALT_BYTES = 16;
/** N=2^15, r=8: ~32 MiB and a few tens of ms per hash on one core. */
const DEFAULT_PARAMS = { N: 1 << 15, r: 8, p: 1 } as const;

function scryptAsync(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem must cover 128·N·r bytes, or scrypt refuses the parameters.
    const maxmem = 128 * (options.N ?? 16384) * (options.r ?? 8) * 2;
    scrypt(password, salt, keylen, { ...options, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const { N, r, p } = DEFAULT_PARAMS;
  const key = await scryptAsync(password, salt, KEY_LENGTH, { N, r, p });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function parseHash(stored: string): ParsedHash | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0)) return null;
  return { N, r, p, salt: Buffer.from(parts[4]!, 'base64'), key: Buffer.from(parts[5]!, 'base64') };
}

/**
 * Constant-time check. A malformed stored hash still costs one scrypt run, so a
 * corrupt record can't be told apart from a wrong password by timing.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  const { N, r, p } = parsed ?? DEFAULT_PARAMS;
  const salt = parsed?.salt ?? randomBytes(SALT_BYTES);
  const expected = parsed?.key.length ? parsed.key : Buffer.alloc(KEY_LENGTH);
  const actual = await scryptAsync(password, salt, expected.length, { N, r, p });
  return timingSafeEqual(actual, expected) && parsed !== null;
}

/**
 * A real hash of a random password, computed once. Login verifies unknown
 * usernames against it so "no such user" costs the same KDF work as "wrong
 * password": response time doesn't reveal which usernames exist.
 */
let decoy: Promise<string> | null = null;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(18).toString('base64'));
  return decoy;
}
