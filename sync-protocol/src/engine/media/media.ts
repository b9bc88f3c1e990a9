/**
 * `engine.media` (api.ts EngineMedia): the bytes of an attachment, from wherever they are nearest.
 *
 *   blob(a):       own pending file (files) ─▶ cache ─▶ download with the token, then cached
 *   thumbnail(a):  raster image: the full bytes if here, else the server's thumbnail (cached
 *                  apart); anything else: blob(a)
 *
 * Concurrent calls for the same bytes share one download. A download is checked against the
 * attachment's sha256 before it is cached (a cut or altered body is never kept for good, the
 * cache being immutable). Offline and not here: UNAVAILABLE with `details.network`, as every
 * request that cannot go out.
 */
import { PigeonError } from '../../errors.ts';
import { isInlineImage } from '../../model/attachment.ts';
import type { Message } from '../../model/message.ts';
import type { Attachment } from '../../model/message-parts.ts';
import type { EngineMedia } from '../api.ts';
import type { LocalDb } from '../local/local-db.ts';
import { networkError, type Transport } from '../transport/transport.ts';
import { sha256Hex, uploadClientIdOf } from '../up/files.ts';
import { cacheKey, MediaCache, type Variant } from './media-cache.ts';
import { settleOwnFiles, settleTables } from './own-files.ts';

export interface MediaDeps {
  db: LocalDb;
  download: Transport['downloadAttachment'];
  /** The signed-in user, or null. */
  me(): string | null;
  /** Signed in and the network allowed. */
  online(): boolean;
  defaultBudget: number;
}

export class Media implements EngineMedia {
  readonly cache: MediaCache;
  private readonly inflight = new Map<string, Promise<Blob>>();

  constructor(private readonly deps: MediaDeps) {
    this.cache = new MediaCache(deps.db, deps.defaultBudget);
  }

  async blob(attachment: Attachment): Promise<Blob> {
    return (await this.here(attachment)) ?? this.download(attachment, 'full');
  }

  async thumbnail(attachment: Attachment): Promise<Blob> {
    if (!isInlineImage(attachment.mime) || uploadClientIdOf(attachment.id) !== null) return this.blob(attachment);
    return (await this.here(attachment)) ?? (await this.cache.get(cacheKey(attachment.id, 'thumb'))) ?? this.download(attachment, 'thumb');
  }

  async has(attachmentId: string): Promise<boolean> {
    const clientId = uploadClientIdOf(attachmentId);
    if (clientId !== null) return (await this.deps.db.files.get(clientId)) !== undefined;
    return (await this.ownFile(attachmentId)) !== undefined || this.cache.has(cacheKey(attachmentId));
  }

  setBudget(bytes: number | null): Promise<void> {
    return this.cache.setBudget(bytes);
  }

  budget(): Promise<number | null> {
    return this.cache.budget();
  }

  usage(): Promise<number> {
    return this.cache.usage();
  }

  /** Own acked messages that arrived without the drainer's commit (a catch-up after a lost ack): their files move into the cache. */
  async settle(messages: readonly Message[]): Promise<void> {
    const { db } = this.deps;
    const moved = await db.transaction('rw', settleTables(db), () => settleOwnFiles(db, messages));
    if (moved > 0) await this.cache.trim();
  }

  /** The full bytes if this device holds them: its own file (pending, or uploaded and not yet acked), or cached. */
  private async here(attachment: Attachment): Promise<Blob | undefined> {
    const clientId = uploadClientIdOf(attachment.id);
    if (clientId !== null) {
      const row = await this.deps.db.files.get(clientId);
      if (!row) throw new PigeonError('NOT_FOUND', `${attachment.name}: the file is no longer on this device`);
      return row.blob;
    }
    return (await this.ownFile(attachment.id))?.blob ?? (await this.cache.get(cacheKey(attachment.id)));
  }

  private ownFile(attachmentId: string) {
    return this.deps.db.files.where('attachmentId').equals(attachmentId).first();
  }

  /** One download per blob at a time; cached once checked, unless the account changed meanwhile. */
  private download(attachment: Attachment, variant: Variant): Promise<Blob> {
    const key = cacheKey(attachment.id, variant);
    const running = this.inflight.get(key);
    if (running) return running;
    const started = (async () => {
      const me = this.deps.me();
      if (!me) throw new PigeonError('UNAUTHENTICATED', 'not signed in');
      if (!this.deps.online()) throw networkError('offline');
      const blob = await this.deps.download(attachment.id, variant === 'thumb' ? { thumbnail: true } : undefined);
      const hash = variant === 'full' && /^[0-9a-f]{64}$/.test(attachment.sha256) ? await sha256Hex(blob) : '';
      if (hash !== '' && hash !== attachment.sha256) {
        throw new PigeonError('INTERNAL', `${attachment.name}: the downloaded bytes do not match the attachment's sha256`);
      }
      if (this.deps.me() === me) await this.cache.put(key, blob);
      return blob;
    })().finally(() => this.inflight.delete(key));
    this.inflight.set(key, started);
    return started;
  }
}
