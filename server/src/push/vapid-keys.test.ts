import { mkdtemp, readdir, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadOrCreateVapidKeys, VAPID_FILE } from './vapid-keys.ts';

const none = { publicKey: null, privateKey: null, subject: 'mailto:a@b.example' };

describe('loadOrCreateVapidKeys', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pigeon-vapid-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('generates a P-256 pair once, keeps it 0600 in DATA_DIR, and reads the same pair again', async () => {
    const first = await loadOrCreateVapidKeys(dir, none);
    expect(Buffer.from(first.publicKey, 'base64url')).toHaveLength(65);
    expect(Buffer.from(first.privateKey, 'base64url')).toHaveLength(32);
    expect(first.subject).toBe('mailto:a@b.example');
    expect((await stat(join(dir, VAPID_FILE))).mode & 0o777).toBe(0o600);
    expect(await loadOrCreateVapidKeys(dir, { ...none, subject: 'https://x.example' })).toEqual({ ...first, subject: 'https://x.example' });
  });

  it('two starts at once agree on one pair, and no temp file is left', async () => {
    // Many rounds: the loser used to read the winner's file after its 'wx' create but before its write.
    for (let round = 0; round < 40; round += 1) {
      await rm(join(dir, VAPID_FILE), { force: true });
      const all = await Promise.all(Array.from({ length: 4 }, () => loadOrCreateVapidKeys(dir, none)));
      for (const keys of all) expect(keys).toEqual(all[0]);
    }
    expect(await readdir(dir)).toEqual([VAPID_FILE]);
  });

  it("waits for a peer whose file exists but is not written yet, and takes the peer's pair", async () => {
    const peerDir = await mkdtemp(join(tmpdir(), 'pigeon-vapid-peer-'));
    const peer = await loadOrCreateVapidKeys(peerDir, none);
    await rm(peerDir, { recursive: true });
    await writeFile(join(dir, VAPID_FILE), '', { mode: 0o600 });
    const starting = loadOrCreateVapidKeys(dir, none);
    setTimeout(() => void writeFile(join(dir, VAPID_FILE), JSON.stringify(peer)), 100);
    expect((await starting).publicKey).toBe(peer.publicKey);
  });

  it('configured keys win and nothing is written', async () => {
    const keys = { publicKey: Buffer.alloc(65, 4).toString('base64url'), privateKey: Buffer.alloc(32, 1).toString('base64url'), subject: 'mailto:x@y.example' };
    expect(await loadOrCreateVapidKeys(dir, keys)).toEqual(keys);
    await expect(stat(join(dir, VAPID_FILE))).rejects.toThrow();
  });

  it('tightens a looser copy; refuses a file that is not a pair', async () => {
    const first = await loadOrCreateVapidKeys(dir, none);
    await chmod(join(dir, VAPID_FILE), 0o644);
    expect((await loadOrCreateVapidKeys(dir, none)).publicKey).toBe(first.publicKey);
    expect((await stat(join(dir, VAPID_FILE))).mode & 0o777).toBe(0o600);
    await writeFile(join(dir, VAPID_FILE), JSON.stringify({ publicKey: 'x', privateKey: first.privateKey }));
    await expect(loadOrCreateVapidKeys(dir, none)).rejects.toThrow(/not a VAPID key pair/);
    expect(JSON.parse(await readFile(join(dir, VAPID_FILE), 'utf8')).publicKey).toBe('x');
  });
});
