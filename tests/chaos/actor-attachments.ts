/**
 * The attachment side of a run (#17): executes the plan's send-files ops (plan-attachments.ts) on the
 * devices' engines — `send(to, caption, { files })` with the files made from the plan's specs
 * (files.ts) — and, at the end, asks what the attachment checks need (invariants-attachments.ts):
 * where the server says each upload stands (as its uploader, by clientId), and what every device of
 * either participant gets from `engine.media.blob` for every attachment.
 *
 * A send with files is a 1:1 send like any other: it joins the run's accepted messages, so every
 * delivery check judges it too, and action ops may name it. Made by a device's own user only (a
 * guest signed in on it is skipped), like group ops and actions.
 */
import { directConversationId, PigeonError, type Attachment, type Message } from '@pigeon/sync-protocol';
import { OP_TIMEOUT_MS, type Account, type Device } from './actors.ts';
import type { Accepted, AttachmentInput, AttachmentSend, DownloadResult, UploadStatus } from './check-input.ts';
import { makeFile, pngSize, sha256Hex } from './files.ts';
import type { History } from './history.ts';
import type { AttachmentOp } from './plan-attachments.ts';

export interface AttachmentStats {
  sends: number;
  files: number;
  bytes: number;
  skipped: number;
  /** media.blob calls at the end whose bytes hashed right. */
  verified: number;
}

export function attachmentLine(a: AttachmentStats | null, proxies: { uploads: number; uploadsCut: number }): string {
  if (!a) return '';
  return `sends with files ${a.sends} (${a.files} files, ${(a.bytes / 1024).toFixed(0)} KiB; skipped ${a.skipped}; upload requests ${proxies.uploads}, ${proxies.uploadsCut} cut before their answer; ${a.verified} downloads verified); `;
}

export interface AttachmentDriverOptions {
  accounts: Account[];
  devices: Device[];
  history: History;
  /** The run's accepted 1:1 messages (world.ts): sends with files join them. */
  accepted: Accepted[];
  /** `POST path` with the account's token, raw body and headers (server-rest.ts). */
  post: (account: Account, path: string, headers: Record<string, string>) => Promise<Response>;
}

export class AttachmentDriver {
  readonly sends: AttachmentSend[] = [];
  skipped = 0;
  private verified = 0;

  constructor(private readonly o: AttachmentDriverOptions) {}

  async execute(op: AttachmentOp, d: Device): Promise<string> {
    const me = d.account;
    if (!me || !d.live) return this.skip('signed out');
    if (me !== d.home) return this.skip(`${me.username} signed in (a guest)`);
    const to = this.o.accounts[op.to]!;
    const made = op.files.map((spec) => ({ spec, file: makeFile(spec) }));
    const files = made.map(({ spec, file }) => ({ blob: new Blob([file.bytes as Uint8Array<ArrayBuffer>], { type: file.type }), name: spec.name }));
    let m;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer after ${OP_TIMEOUT_MS} ms`)), OP_TIMEOUT_MS)));
      m = await Promise.race([d.live.send(to.id, op.body, { files }), timeout]);
    } catch (err) {
      // Valid files, a known peer: the device must take the send offline or online.
      const code = err instanceof PigeonError ? ` [${err.code}]` : '';
      d.observe('op-failed', `send with ${files.length} files to u${op.to}${code}: ${err instanceof Error ? err.message : String(err)} (connection ${d.connection()})`);
      return 'rejected';
    } finally {
      clearTimeout(timer);
    }
    const h = this.o.history;
    const expectedKey = `${me.id}:${m.clientId}`;
    if (m.key !== expectedKey) d.observe('op-failed', `send returned key ${m.key}, expected ${expectedKey}`, m.key);
    const conversationId = directConversationId(me.id, to.id);
    this.o.accepted.push({ key: m.key, clientId: m.clientId, senderId: me.id, recipientId: to.id, conversationId, body: op.body, device: d.name, op: h.currentOp });
    const local = m.attachments ?? [];
    this.sends.push({
      key: m.key,
      device: d.name,
      senderId: me.id,
      recipientId: to.id,
      conversationId,
      op: h.currentOp,
      files: made.map(({ spec, file }, i) => {
        const localId = local[i]?.id ?? '';
        return {
          localId,
          clientId: /^local:([A-Za-z0-9_-]+)$/.exec(localId)?.[1] ?? null,
          name: spec.name,
          kind: spec.kind,
          size: file.bytes.length,
          sha256: file.sha256,
          ...(spec.kind === 'png' ? pngSize(spec.size) : {}),
        };
      }),
    });
    const total = made.reduce((n, x) => n + x.file.bytes.length, 0);
    return `${m.key} ${m.status} with ${made.length} files (${total} B) [${local.map((a) => a.id).join(' ')}]`;
  }

  private skip(why: string): string {
    this.skipped++;
    return `skipped: ${why}`;
  }

  /** Where the server says each upload stands, asked as its uploader by clientId (a status query: empty body). */
  async uploads(): Promise<UploadStatus[]> {
    const out: UploadStatus[] = [];
    for (const s of this.sends) {
      const uploader = this.o.accounts.find((a) => a.id === s.senderId)!;
      for (const [index, f] of s.files.entries()) {
        if (!f.clientId) continue;
        const q = new URLSearchParams({ clientId: f.clientId, name: f.name });
        try {
          const res = await this.o.post(uploader, `/api/attachments?${q}`, { 'content-range': `bytes */${f.size}` });
          const body = (await res.json().catch(() => ({}))) as { attachment?: Attachment; upload?: { offset: number }; error?: { code?: string; message?: string } };
          out.push({ key: s.key, index, status: res.status, attachmentId: body.attachment?.id, offset: body.upload?.offset, ...(body.error ? { error: `${body.error.code}: ${body.error.message}` } : {}) });
        } catch (err) {
          out.push({ key: s.key, index, status: 0, error: err instanceof Error ? err.message : String(err) });
        }
      }
    }
    return out;
  }

  /** Every device of either participant reads every attachment of every message not deleted, through its engine. */
  async downloads(server: Record<string, Message[]>): Promise<DownloadResult[]> {
    const byKey = new Map(Object.values(server).flat().map((m) => [`${m.senderId}:${m.clientId}`, m]));
    const jobs: Array<() => Promise<DownloadResult>> = [];
    for (const s of this.sends) {
      const m = byKey.get(s.key);
      if (!m || m.deletedAt) continue;
      for (const d of this.o.devices.filter((x) => x.account && (x.account.id === s.senderId || x.account.id === s.recipientId))) {
        for (const a of m.attachments ?? []) jobs.push(() => this.read(d, s.key, a));
      }
    }
    const out: DownloadResult[] = [];
    // A few at a time: each is a request through the device's proxy (clean by now) and a Dexie write.
    for (let i = 0; i < jobs.length; i += 4) out.push(...(await Promise.all(jobs.slice(i, i + 4).map((j) => j()))));
    this.verified = out.filter((r) => !r.error).length;
    return out;
  }

  private async read(d: Device, key: string, a: Attachment): Promise<DownloadResult> {
    const engine = d.live;
    if (!engine) return { device: d.name, key, attachmentId: a.id, error: 'engine closed' };
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no answer after 20 s')), 20_000)));
      const blob = await Promise.race([engine.media.blob(a), timeout]);
      const bytes = new Uint8Array(await blob.arrayBuffer());
      return { device: d.name, key, attachmentId: a.id, sha256: sha256Hex(bytes), size: bytes.length };
    } catch (err) {
      const code = err instanceof PigeonError ? `${err.code}: ` : '';
      return { device: d.name, key, attachmentId: a.id, error: `${code}${err instanceof Error ? err.message : String(err)}` };
    } finally {
      clearTimeout(timer);
    }
  }

  stats(): AttachmentStats {
    return {
      sends: this.sends.length,
      files: this.sends.reduce((n, s) => n + s.files.length, 0),
      bytes: this.sends.reduce((n, s) => n + s.files.reduce((k, f) => k + f.size, 0), 0),
      skipped: this.skipped,
      verified: this.verified,
    };
  }

  input(): AttachmentInput {
    return { sends: this.sends };
  }
}
