import { describe, expect, it } from 'vitest';
import type { Transport } from '../engine/transport/transport.ts';
import { createMemoryServer, type MemoryServer } from './memory-server.ts';

const rest = (server: MemoryServer, token: string): Transport => server.transport()({ getToken: () => token, ackTimeoutMs: 1_000 });
const blob = (text: string, type = 'application/octet-stream') => new Blob([text], { type });
const sha = async (text: string) => Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))), (b) => b.toString(16).padStart(2, '0')).join('');

describe('in-memory server: attachments', () => {
  it('resumable uploads: offset answers, a chunk at the wrong offset, a status query, idempotent once finished', async () => {
    const server = createMemoryServer();
    const alice = server.addUser('alice');
    const a = rest(server, alice.token);
    const query = { clientId: 'upload-0001', name: 'a.bin', sha256: await sha('hello world') };
    const up = (start: number | null, text = '') => a.uploadAttachment({ query, type: 'application/pdf', size: 11, chunk: start === null ? null : { start, blob: blob(text) } });
    expect(await up(null)).toEqual({ done: false, offset: 0 });
    expect(await up(0, 'hello')).toEqual({ done: false, offset: 5 });
    expect(await up(0, 'hello')).toEqual({ done: false, offset: 5 }); // not where it stands: the 409's answer
    const done = await up(5, ' world');
    expect(done).toMatchObject({ done: true, created: true, attachment: { name: 'a.bin', mime: 'application/pdf', size: 11, sha256: query.sha256 } });
    expect(await up(null)).toMatchObject({ done: true, created: false });
    expect(server.attachments.list()).toHaveLength(1);
  });

  it('refuses: too large before any byte, a sha256 that does not match (nothing kept), active content', async () => {
    const server = createMemoryServer({ attachmentMaxBytes: 10 });
    const a = rest(server, server.addUser('alice').token);
    const send = (clientId: string, text: string, extra: { sha256?: string; name?: string; type?: string } = {}) =>
      a.uploadAttachment({ query: { clientId, name: extra.name ?? 'x.bin', ...(extra.sha256 ? { sha256: extra.sha256 } : {}) }, type: extra.type ?? '', size: text.length, chunk: { start: 0, blob: blob(text) } });
    await expect(send('upload-0001', 'eleven byte')).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    await expect(send('upload-0002', 'abc', { sha256: await sha('abd') })).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(send('upload-0003', '<svg/>', { name: 'x.svg' })).rejects.toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    await expect(send('upload-0004', '<p>', { type: 'text/html' })).rejects.toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(server.attachments.list()).toEqual([]);
  });

  it("sends carry only the sender's own uncarried uploads; downloads for the two sides only, none after a delete for everyone", async () => {
    const server = createMemoryServer();
    const [alice, bob, eve] = [server.addUser('alice'), server.addUser('bob'), server.addUser('eve')];
    const [a, b, e] = [rest(server, alice.token), rest(server, bob.token), rest(server, eve.token)];
    const upload = async (t: Transport, clientId: string) => {
      const answer = await t.uploadAttachment({ query: { clientId, name: 'p.png' }, type: 'image/png', size: 3, chunk: { start: 0, blob: blob('png') } });
      if (!answer.done) throw new Error('not done');
      return answer.attachment.id;
    };
    const mine = await upload(a, 'upload-0001');
    const bobs = await upload(b, 'upload-0002');
    await expect(a.sendMessage({ clientId: 'message-0001', to: bob.user.id, body: '', attachmentIds: [bobs] }, 'rest')).rejects.toMatchObject({ code: 'VALIDATION' });
    const sent = await a.sendMessage({ clientId: 'message-0002', to: bob.user.id, body: '', attachmentIds: [mine] }, 'rest');
    expect(sent.attachments!.map((x) => x.id)).toEqual([mine]);
    expect(await a.sendMessage({ clientId: 'message-0002', to: bob.user.id, body: '', attachmentIds: [mine] }, 'rest')).toEqual(sent);
    await expect(a.sendMessage({ clientId: 'message-0003', to: bob.user.id, body: '', attachmentIds: [mine] }, 'rest')).rejects.toMatchObject({ code: 'VALIDATION' });

    expect(await (await b.downloadAttachment(mine)).text()).toBe('png');
    expect(await (await b.downloadAttachment(mine, { thumbnail: true })).text()).toBe('png');
    await expect(e.downloadAttachment(mine)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(e.downloadAttachment('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await a.messageAction({ kind: 'delete', clientId: 'delete-0001', messageId: sent.id }, 'rest');
    await expect(b.downloadAttachment(mine)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
