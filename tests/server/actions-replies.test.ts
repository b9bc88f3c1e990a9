/**
 * Replies (contract v2, `send-message` / `POST /api/messages` with `replyTo`) over real HTTP and
 * Socket.io: the stored quote, the same-conversation rule on both transports, and the quote
 * emptied (with `message-updated` for the reply) once the original is deleted for everyone.
 */
import { LIMITS, type Message, type SendMessageAck } from '@pigeon/sync-protocol';
import { describe, expect, it } from 'vitest';
import { accepted, remove, TRANSPORTS, updatesOf, type Via } from './action-helpers.ts';
import {
  fullHistory,
  http,
  newClientId,
  noteMongoSkip,
  register,
  roundTrip,
  sendOverRest,
  STORE_VARIANTS,
  syncAll,
  useTestServer,
  waitFor,
  type ClientSocket,
  type TestUser,
} from './helpers.ts';

type Reply = { ok: true; message: Message; status?: number } | { ok: false; code: string; status?: number };

/** A send with `replyTo`, answered like a socket ack on either transport. */
async function sendReply(via: Via, url: string, from: { token: string; socket: ClientSocket }, to: string, body: string, replyTo: string): Promise<Reply> {
  const payload = { clientId: newClientId(), to, body, replyTo };
  if (via === 'socket') return (await from.socket.timeout(10_000).emitWithAck('send-message', payload)) as SendMessageAck;
  const res = await http(url, '/api/messages', { token: from.token, json: payload });
  return res.status === 201 ? { ok: true, message: res.body.message, status: 201 } : { ok: false, code: res.body.error.code, status: res.status };
}

const replyOf = (answer: Reply): Message => {
  if (!answer.ok) throw new Error(`reply refused: ${answer.code}`);
  return answer.message;
};

describe.each(STORE_VARIANTS)('replies on $kind', (variant) => {
  const t = useTestServer(variant);

  async function people(): Promise<{ alice: TestUser; bob: TestUser; carol: TestUser; a1: ClientSocket; a2: ClientSocket; b1: ClientSocket }> {
    const [alice, bob, carol] = [await register(t.url, 'alice'), await register(t.url, 'bob'), await register(t.url, 'carol')];
    return { alice, bob, carol, a1: await t.open(alice.token), a2: await t.open(alice.token), b1: await t.open(bob.token) };
  }

  for (const via of TRANSPORTS) {
    it(`${via}: a reply stores { id, senderId, preview } of the original (cut to ${LIMITS.replyPreviewMaxChars} characters) and arrives with it`, async () => {
      const { alice, bob, a1, b1 } = await people();
      const arrived: Message[] = [];
      a1.on('new-message', ({ message }) => arrived.push(message));
      const short = (await sendOverRest(t.url, alice.token, bob.id, 'short original')).body.message;
      const long = (await sendOverRest(t.url, alice.token, bob.id, `${'é'.repeat(LIMITS.replyPreviewMaxChars)}and more`)).body.message;

      const reply = replyOf(await sendReply(via, t.url, { token: bob.token, socket: b1 }, alice.id, 'my answer', short.id));
      expect(reply).toMatchObject({ body: 'my answer', replyTo: { id: short.id, senderId: alice.id, preview: 'short original' }, type: 'text', version: 0 });
      const cut = replyOf(await sendReply(via, t.url, { token: bob.token, socket: b1 }, alice.id, 'to the long one', long.id));
      expect(cut.replyTo).toEqual({ id: long.id, senderId: alice.id, preview: 'é'.repeat(LIMITS.replyPreviewMaxChars) });

      await waitFor('alice gets both replies', () => arrived.filter((m) => m.replyTo).length === 2);
      expect(arrived.filter((m) => m.senderId === bob.id)).toEqual([reply, cut]);
      expect((await fullHistory(t.url, alice.token, bob.id)).find((m) => m.id === reply.id)).toEqual(reply);
    });

    it(`${via}: replying to a message of another conversation, or to no message, is VALIDATION and stores nothing`, async () => {
      const { alice, bob, carol, b1 } = await people();
      const elsewhere = (await sendOverRest(t.url, alice.token, carol.id, 'between alice and carol')).body.message;
      const own = (await sendOverRest(t.url, bob.token, carol.id, 'between bob and carol')).body.message;
      const from = { token: bob.token, socket: b1 };
      for (const replyTo of [elsewhere.id, own.id, 'no-such-message']) {
        const answer = await sendReply(via, t.url, from, alice.id, 'misplaced', replyTo);
        expect(answer).toMatchObject(via === 'rest' ? { ok: false, code: 'VALIDATION', status: 400 } : { ok: false, code: 'VALIDATION' });
      }
      expect(await fullHistory(t.url, alice.token, bob.id)).toEqual([]);
      await roundTrip(b1);
    });

    it(`${via}: deleting the original empties every quote: message-updated for the reply too (the acting socket included), history and /api/sync agree`, async () => {
      const { alice, bob, a1, a2, b1 } = await people();
      const original = (await sendOverRest(t.url, alice.token, bob.id, 'to be deleted')).body.message;
      const reply = replyOf(await sendReply('rest', t.url, { token: bob.token, socket: b1 }, alice.id, 'quoting it', original.id));
      const { cursor } = await syncAll(t.url, bob.token);
      const heard = { a1: updatesOf(a1), a2: updatesOf(a2), b1: updatesOf(b1) };

      const deleted = accepted(await remove(via, t.url, { token: alice.token, socket: a1 }, original.id));
      expect(deleted).toMatchObject({ id: original.id, body: '', version: 1 });
      const emptied = { ...reply, replyTo: { id: original.id, senderId: alice.id, preview: '' }, version: 1 };

      await waitFor('bob hears the delete and the emptied quote', () => heard.b1().length === 2);
      expect(heard.b1()).toEqual([deleted, emptied]);
      await waitFor('alice’s other socket too', () => heard.a2().length === 2);
      expect(heard.a2()).toEqual([deleted, emptied]);
      // The acting socket has the delete in its ack, not the reply's new version: it hears that one.
      await roundTrip(a1);
      expect(heard.a1()).toEqual(via === 'rest' ? [deleted, emptied] : [emptied]);

      expect((await fullHistory(t.url, bob.token, alice.id)).map((m) => [m.id, m.body, m.replyTo?.preview ?? null])).toEqual([
        [original.id, '', null],
        [reply.id, 'quoting it', ''],
      ]);
      const changed = (await syncAll(t.url, bob.token, cursor)).messages;
      expect(changed.filter((m) => m.id === reply.id).at(-1)).toEqual(emptied);
      expect(changed.filter((m) => m.id === original.id).at(-1)).toEqual(deleted);
    });
  }
});

noteMongoSkip('replies');
