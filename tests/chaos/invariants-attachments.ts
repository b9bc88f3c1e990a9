/**
 * The attachment checks (#17), pure functions over the run's record (check-input-attachments.ts):
 *
 *  - attachment-once: the server's message carries exactly the files sent, in order (name, size,
 *    sha256 of the bytes the harness made; mime as the bytes say: image/png with the PNG's width and
 *    height, text/plain, and never an inline image for random bytes); each upload (uploader, clientId)
 *    is that very attachment on the server (asked at the end); no attachment is carried by two
 *    messages; no two files of one uploader share a clientId.
 *  - attachment-converge: every device's acked row of the message has the server's attachments
 *    (id, sha256, size, mime, in order), and none once it is deleted for everyone.
 *  - attachment-bytes: every device of either participant gets, through engine.media.blob, bytes
 *    whose sha256 is the file's (asked at the end, for every attachment of every message not deleted).
 *  - attachment-never-lost: every send with files ends on the server; a row left failed or pending
 *    is a lost send (no file of a run is invalid, so no permanent refusal is expected).
 */
import { isInlineImage, type Attachment, type Message } from '@pigeon/sync-protocol';
import { keyOf, members, rowsOf, type CheckInput, type Violation } from './check-input.ts';
import type { AttachmentSend, FileSent } from './check-input-attachments.ts';

const fields = (a: Pick<Attachment, 'id' | 'sha256' | 'size' | 'mime'>) => `${a.id}|${a.sha256}|${a.size}|${a.mime}`;

/** What is wrong with the server's copy of one file, or ''. */
function fileDifference(f: FileSent, a: Attachment | undefined): string {
  if (!a) return 'missing';
  const d: string[] = [];
  if (a.name !== f.name) d.push(`name ${JSON.stringify(a.name)} ≠ ${JSON.stringify(f.name)}`);
  if (a.size !== f.size) d.push(`size ${a.size} ≠ ${f.size}`);
  if (a.sha256 !== f.sha256) d.push(`sha256 ${a.sha256.slice(0, 12)}… ≠ ${f.sha256.slice(0, 12)}…`);
  if (f.kind === 'png') {
    if (a.mime !== 'image/png') d.push(`mime ${a.mime} for a PNG`);
    else if (a.width !== f.width || a.height !== f.height) d.push(`${a.width}×${a.height} ≠ ${f.width}×${f.height}`);
  }
  if (f.kind === 'text' && a.mime !== 'text/plain') d.push(`mime ${a.mime} for UTF-8 text`);
  if (f.kind === 'bin' && isInlineImage(a.mime)) d.push(`mime ${a.mime} for random bytes`);
  return d.join(', ');
}

export function checkAttachments(input: CheckInput): Violation[] {
  const att = input.attachments;
  if (!att) return [];
  const server = new Map<string, Message>();
  for (const m of Object.values(input.server).flat()) server.set(keyOf(m), m);
  const out: Violation[] = [];
  const bad = (invariant: Violation['invariant'], key: string, message: string, diff?: unknown) => out.push({ invariant, message: `${key}: ${message}`, keys: [key], diff });

  // attachment-once: each message carries exactly its files; one attachment per upload, per message.
  const carriers = new Map<string, string[]>();
  for (const m of server.values()) for (const a of m.attachments ?? []) carriers.set(a.id, [...(carriers.get(a.id) ?? []), keyOf(m)]);
  for (const [id, keys] of carriers) if (keys.length > 1) out.push({ invariant: 'attachment-once', message: `attachment ${id} is carried by ${keys.length} messages`, keys });
  const clientIds = new Map<string, string>();
  for (const s of att.sends) {
    s.files.forEach((f, i) => {
      if (!f.clientId) return bad('attachment-once', s.key, `file ${i} (${f.name}): the engine answered local id ${JSON.stringify(f.localId)}, not local:<clientId>`);
      const other = clientIds.get(`${s.senderId}:${f.clientId}`);
      if (other) bad('attachment-once', s.key, `file ${i} (${f.name}) has upload clientId ${f.clientId}, as a file of ${other}`);
      clientIds.set(`${s.senderId}:${f.clientId}`, s.key);
    });
    const m = server.get(s.key);
    if (!m || m.deletedAt) continue;
    const list = m.attachments ?? [];
    const wrong = s.files.map((f, i) => [i, fileDifference(f, list[i])] as const).filter(([, d]) => d);
    if (list.length !== s.files.length || wrong.length > 0) {
      bad('attachment-once', s.key, `the server's message carries ${list.length} attachments for ${s.files.length} files sent${wrong.length ? `; ${wrong.map(([i, d]) => `file ${i}: ${d}`).join('; ')}` : ''}`, { sent: s.files, stored: list });
    }
    for (const u of (att.uploads ?? []).filter((x) => x.key === s.key)) {
      const carried = list[u.index];
      if (u.status !== 200 || u.attachmentId !== carried?.id) {
        bad('attachment-once', s.key, `upload ${s.files[u.index]?.clientId} (file ${u.index}) stands at ${u.status}${u.attachmentId ? ` as ${u.attachmentId}` : ''}${u.offset !== undefined ? ` offset ${u.offset}` : ''}${u.error ? ` (${u.error})` : ''}, the message carries ${carried?.id ?? 'nothing'}: a second copy, or a lost one`);
      }
    }
  }

  // attachment-converge: every acked row has the server's attachments.
  const sentKeys = new Set(att.sends.map((s) => s.key));
  for (const dev of input.devices) {
    const wrong: string[] = [];
    const keys: string[] = [];
    for (const row of rowsOf(dev)) {
      const m = server.get(row.key);
      if (!m || row.seq === null || (!sentKeys.has(row.key) && (m.attachments ?? []).length === 0)) continue;
      const want = m.deletedAt ? [] : (m.attachments ?? []);
      const got = row.attachments ?? [];
      if (want.map(fields).join(' ') !== got.map(fields).join(' ')) {
        wrong.push(`${row.key}: device [${got.map(fields).join(', ')}], server [${want.map(fields).join(', ')}]`);
        keys.push(row.key);
      }
    }
    if (wrong.length > 0) out.push({ invariant: 'attachment-converge', message: `${dev.name}: ${wrong.length} messages' attachments differ from the server's`, diff: wrong.slice(0, 20), keys });
  }

  // attachment-bytes: every participant's device reads the right bytes.
  if (att.downloads) {
    const truth = new Map(att.sends.flatMap((s) => s.files.map((f) => [f.sha256, f] as const)));
    const got = new Map(att.downloads.map((d) => [`${d.device}|${d.attachmentId}`, d]));
    for (const s of att.sends) {
      const m = server.get(s.key);
      if (!m || m.deletedAt) continue;
      for (const a of m.attachments ?? []) {
        for (const dev of input.devices.filter((d) => members(m.conversationId).includes(d.userId))) {
          const d = got.get(`${dev.name}|${a.id}`);
          if (!d) bad('attachment-bytes', s.key, `${dev.name} was never asked for ${a.id} (harness)`);
          else if (d.error) bad('attachment-bytes', s.key, `${dev.name}: media.blob(${a.id}) failed: ${d.error}`);
          else if (d.sha256 !== a.sha256 || !truth.has(d.sha256!)) bad('attachment-bytes', s.key, `${dev.name}: media.blob(${a.id}) gave ${d.size} bytes hashing to ${d.sha256?.slice(0, 12)}…, the file's is ${a.sha256.slice(0, 12)}…`);
        }
      }
    }
  }

  // attachment-never-lost: every send with files ends on the server.
  for (const s of att.sends) {
    if (server.has(s.key)) continue;
    const row = input.devices.find((d) => d.name === s.device)?.outbox.find((m) => m.key === s.key) ?? input.devices.flatMap(rowsOf).find((m) => m.key === s.key);
    const where = row ? (row.status === 'failed' ? `failed on ${s.device} with ${row.error?.code ?? '?'} (${row.error?.message ?? ''}); no file of a run is invalid` : `still ${row.status} on ${s.device}`) : 'on no device';
    bad('attachment-never-lost', s.key, `sent with ${s.files.length} files at op #${s.op}, not on the server: ${where}`);
  }
  return out;
}
