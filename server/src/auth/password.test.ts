import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { DEFAULT_CONFIG } from '../config.ts';
import { Passwords } from './passwords.ts';
import { decoyHash, hashCost, hashPassword, isCurrentCost, verifyPassword } from './password.ts';

/** Cheap cost for the behaviour tests; the production cost has its own test below. */
const LOW = 10;

describe('password hashing', () => {
  it('verifies the right password only, with a per-user salt', async () => {
    const [h1, h2] = await Promise.all([hashPassword('correct horse', LOW), hashPassword('correct horse', LOW)]);
    expect(h1).toMatch(/^scrypt\$1024\$8\$1\$[^$]+\$[^$]+$/);
    expect(h1).not.toBe(h2); // salted
    expect(await verifyPassword('correct horse', h1, LOW)).toBe(true);
    expect(await verifyPassword('correct horsE', h1, LOW)).toBe(false);
    expect(await verifyPassword('', h1, LOW)).toBe(false);
  });

  it('a malformed stored hash (or one asking for an absurd cost) is just a failed check, not a crash', async () => {
    const huge = `scrypt$${2 ** 24}$8$1$c2FsdA==$a2V5`;
    for (const bad of ['', 'garbage', 'scrypt$x$8$1$aa$bb', 'bcrypt$1$2$3$4$5', 'scrypt$1000$8$1$aa$bb', huge]) {
      expect(await verifyPassword('anything', bad, LOW)).toBe(false);
      expect(hashCost(bad)).toBeNull();
    }
  });

  it('the decoy hash is a real hash at the given cost that no guess matches, computed once per cost', async () => {
    const d = await decoyHash(LOW);
    expect(d).toBe(await decoyHash(LOW));
    expect(hashCost(d)).toEqual({ logN: LOW, r: 8, p: 1 });
    expect(await verifyPassword('password', d, LOW)).toBe(false);
  });

  it('production: the default cost is N = 2^17 (r 8, p 1), and a 2^15 hash is upgraded on the next successful login', async () => {
    expect(DEFAULT_CONFIG.scryptLogN).toBe(17);
    const writes: [string, string][] = [];
    const passwords = new Passwords(DEFAULT_CONFIG, { setPasswordHash: async (id, hash) => void writes.push([id, hash]) }, pino({ level: 'silent' }));
    const old = await hashPassword('old password', 15);
    expect(isCurrentCost(old, 17)).toBe(false);

    expect(await passwords.verify('old password', old)).toBe(true);
    await passwords.upgradeIfWeak('u1', 'old password', old);
    expect(writes).toHaveLength(1);
    const [id, upgraded] = writes[0]!;
    expect(id).toBe('u1');
    expect(hashCost(upgraded)).toEqual({ logN: 17, r: 8, p: 1 });
    expect(await passwords.verify('old password', upgraded)).toBe(true);

    // Already at the current cost: nothing to do.
    await passwords.upgradeIfWeak('u1', 'old password', upgraded);
    expect(writes).toHaveLength(1);
  });

  it('an unknown user (no stored hash) is never valid, whatever the password', async () => {
    const passwords = new Passwords({ ...DEFAULT_CONFIG, scryptLogN: LOW }, { setPasswordHash: async () => {} }, pino({ level: 'silent' }));
    expect(await passwords.verify('anything at all', null)).toBe(false);
  });
});
