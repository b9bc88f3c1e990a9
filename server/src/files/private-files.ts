import { chmodSync, closeSync, existsSync, openSync, statSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';

/**
 * DATA_DIR holds the messages, the JWT secret and (later) attachments: nobody but the
 * server's own user should read it, whatever the process umask says. New files are
 * created 0600 in a 0700 directory, and files an older version created with a looser
 * mode are tightened when they are opened.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates `dir` (and parents) and makes sure group and others have no access to it. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const { mode } = await stat(dir);
  if ((mode & 0o077) !== 0) await chmod(dir, PRIVATE_DIR_MODE);
}

/**
 * Creates `file` empty with mode 0600 if missing, or tightens an existing one. SQLite
 * then creates its -wal and -shm files with the main file's mode, so the whole database
 * stays private; existing -wal/-shm files are tightened here too.
 */
export function ensurePrivateDatabaseFile(file: string): void {
  if (!existsSync(file)) closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    if (!existsSync(path)) continue;
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, PRIVATE_FILE_MODE);
  }
}
