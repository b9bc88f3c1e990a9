import { mkdtemp, readFile, rm, stat, chmod, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadOrCreateSecret, SECRET_FILE } from './secret.ts';

describe('loadOrCreateSecret', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pigeon-secret-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('prefers the configured secret and writes nothing', async () => {
    expect(await loadOrCreateSecret(dir, 'configured-secret-1234')).toBe('configured-secret-1234');
    await expect(stat(join(dir, SECRET_FILE))).rejects.toThrow();
  });

  it('generates once (mode 0600, nested dir created) and reuses it', async () => {
    const nested = join(dir, 'a', 'b');
    const first = await loadOrCreateSecret(nested, null);
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect((await stat(join(nested, SECRET_FILE))).mode & 0o777).toBe(0o600);
    expect(await loadOrCreateSecret(nested, null)).toBe(first);
  });

  it('concurrent first starts agree on one secret', async () => {
    const all = await Promise.all(Array.from({ length: 5 }, () => loadOrCreateSecret(dir, null)));
    expect(new Set(all).size).toBe(1);
    expect((await readFile(join(dir, SECRET_FILE), 'utf8')).trim()).toBe(all[0]);
  });

  it('tightens a loose file mode', async () => {
    await writeFile(join(dir, SECRET_FILE), 'existing-secret-value\n');
    await chmod(join(dir, SECRET_FILE), 0o644);
    expect(await loadOrCreateSecret(dir, null)).toBe('existing-secret-value');
    expect((await stat(join(dir, SECRET_FILE))).mode & 0o777).toBe(0o600);
  });
});
