import { randomUUID } from 'node:crypto';
import { chmod, link, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import webpush from 'web-push';
import { ensurePrivateDir } from '../files/private-files.ts';

export const VAPID_FILE = 'vapid.json';

export interface VapidKeys {
  /** base64url, 65 bytes uncompressed P-256: what browsers get as applicationServerKey. */
  publicKey: string;
  /** base64url, 32 bytes. */
  privateKey: string;
  /** mailto: or https: URL (VAPID_SUBJECT). */
  subject: string;
}

/**
 * The server's VAPID identity (RFC 8292). Browsers bind each subscription to the public key, so it
 * must never change on its own: VAPID_PUBLIC_KEY/VAPID_PRIVATE_KEY when given (config.ts checks
 * they come together), else a pair generated on the first start and kept in DATA_DIR/vapid.json
 * (0600), shared by every node on that DATA_DIR. Two nodes starting at once agree on the file
 * that was linked first: the pair is written whole to a private temp file and hard-linked into place,
 * which fails with EEXIST if another start got there first. A plain 'wx' create would let the loser
 * read the winner's file between its creation and its write, empty. A cluster without a shared
 * DATA_DIR (MongoDB) must set the keys.
 */
export async function loadOrCreateVapidKeys(dataDir: string, configured: { publicKey: string | null; privateKey: string | null; subject: string }): Promise<VapidKeys> {
  const { subject } = configured;
  if (configured.publicKey !== null && configured.privateKey !== null) return { publicKey: configured.publicKey, privateKey: configured.privateKey, subject };
  await ensurePrivateDir(dataDir);
  const file = join(dataDir, VAPID_FILE);
  const existing = await readKeys(file);
  if (existing) return { ...existing, subject };
  const generated = webpush.generateVAPIDKeys();
  const temp = `${file}.${randomUUID()}.tmp`;
  await writeFile(temp, `${JSON.stringify({ publicKey: generated.publicKey, privateKey: generated.privateKey })}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(temp, file);
    return { ...generated, subject };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const raced = await readFilledKeys(file);
    if (!raced) throw new Error(`${file} exists but holds no VAPID keys`);
    return { ...raced, subject };
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/** How long an empty vapid.json is taken for a peer's write in progress (an older node created it with 'wx' before writing). */
const PEER_WRITE_WAIT_MS = 2_000;

async function readFilledKeys(file: string): Promise<{ publicKey: string; privateKey: string } | null> {
  const until = Date.now() + PEER_WRITE_WAIT_MS;
  for (;;) {
    const keys = await readKeys(file);
    if (keys || Date.now() >= until) return keys;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function readKeys(file: string): Promise<{ publicKey: string; privateKey: string } | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  // A copy with a looser mode is tightened: the private key signs for this server.
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  if (text.trim() === '') return null;
  const parsed = JSON.parse(text) as { publicKey?: unknown; privateKey?: unknown };
  const ok = (v: unknown, bytes: number) => typeof v === 'string' && /^[A-Za-z0-9_-]+$/.test(v) && Buffer.from(v, 'base64url').length === bytes;
  if (!ok(parsed.publicKey, 65) || !ok(parsed.privateKey, 32)) throw new Error(`${file}: not a VAPID key pair (publicKey 65 bytes, privateKey 32 bytes, base64url)`);
  return { publicKey: parsed.publicKey as string, privateKey: parsed.privateKey as string };
}
