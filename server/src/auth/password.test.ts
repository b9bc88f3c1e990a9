import { describe, expect, it } from 'vitest';
import { decoyHash, hashPassword, verifyPassword } from './password.ts';

describe('password hashing', () => {
  it('verifies the right password only, with a per-user salt', async () => {
    const [h1, h2] = await Promise.all([hashPassword('correct horse'), hashPassword('correct horse')]);
    expect(h1).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[^$]+\$[^$]+$/);
    expect(h1).not.toBe(h2); // salted
    expect(await verifyPassword('correct horse', h1)).toBe(true);
    expect(await verifyPassword('correct horsE', h1)).toBe(false);
    expect(await verifyPassword('', h1)).toBe(false);
  });

  it('a malformed stored hash is just a failed check, not a crash', async () => {
    for (const bad of ['', 'garbage', 'scrypt$x$8$1$aa$bb', 'bcrypt$1$2$3$4$5']) {
      expect(await verifyPassword('anything', bad)).toBe(false);
    }
  });

  it('the decoy hash is a real hash that no guess matches, computed once', async () => {
    const d = await decoyHash();
    expect(d).toBe(await decoyHash());
    expect(d.startsWith('scrypt$')).toBe(true);
    expect(await verifyPassword('password', d)).toBe(false);
  });
});
