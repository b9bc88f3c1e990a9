import { randomBytes } from 'node:crypto';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensurePrivateDir } from '../files/private-files.ts';

export const SECRET_FILE = 'jwt-secret';

/**
 * The JWT signing secret: JWT_SECRET when given, otherwise one generated on the
 * first start and kept in DATA_DIR (mode 0600) so tokens survive restarts and
 * every node sharing the data dir signs alike.
 */
export async function loadOrCreateSecret(dataDir: string, configured: string | null): Promise<string> {
  if (configured) return configured;
  await ensurePrivateDir(dataDir);
  const file = join(dataDir, SECRET_FILE);
  const existing = await readSecret(file);
  if (existing) return existing;
  const secret = randomBytes(48).toString('base64url');
  try {
    // 'wx' fails if the file appeared meanwhile: two nodes starting together must agree on one secret.
    await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const raced = await readSecret(file);
    if (!raced) throw new Error(`${file} exists but is empty`);
    return raced;
  }
}

async function readSecret(file: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  // Someone may have copied the file with a looser mode; the secret is as good as a password.
  const { mode } = await stat(file);
  if ((mode & 0o077) !== 0) await chmod(file, 0o600);
  const secret = text.trim();
  return secret === '' ? null : secret;
}
