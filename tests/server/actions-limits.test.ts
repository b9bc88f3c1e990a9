/**
 * Message actions against the clock and the send budget, over real HTTP and Socket.io: the
 * 15-minute edit and 48-hour delete windows judged by SERVER time (the test moves the server's
 * action clock, `testHooks.actionClock`), and SEND_RATE_LIMIT shared by sends and actions.
 */
import { LIMITS } from '@pigeon/sync-protocol';
import { describe, expect, it } from 'vitest';
import { accepted, edit, hide, react, refusal, refused, remove, TRANSPORTS, type Actor } from './action-helpers.ts';
import { http, newClientId, noteMongoSkip, register, sendOverRest, sendOverSocket, STORE_VARIANTS, useTestServer } from './helpers.ts';

const MINUTE = 60_000;

describe.each(STORE_VARIANTS)('message actions and server time on $kind', (variant) => {
  /** How far the server's action clock runs ahead of the real one. */
  let aheadMs = 0;
  const t = useTestServer(variant, { testHooks: { actionClock: () => new Date(Date.now() + aheadMs) } });

  async function pair(): Promise<{ a: Actor; b: Actor; to: string }> {
    const [alice, bob] = [await register(t.url, 'alice'), await register(t.url, 'bob')];
    return { a: { token: alice.token, socket: await t.open(alice.token) }, b: { token: bob.token, socket: await t.open(bob.token) }, to: bob.id };
  }

  for (const via of TRANSPORTS) {
    it(`${via}: edit within 15 minutes of createdAt, delete within 48 hours, by the server's clock; past them CONFLICT; reactions and hides have no window`, async () => {
      const { a, b, to } = await pair();
      const sent = await Promise.all(['one', 'two', 'three'].map(async (body) => (await sendOverRest(t.url, a.token, to, body)).body.message));
      try {
        aheadMs = LIMITS.editWindowMs - MINUTE;
        const editId = newClientId();
        const edited = accepted(await edit(via, t.url, a, sent[0]!.id, 'one, edited', editId));
        // editedAt is the server's time, as moved: about 14 minutes after the send.
        expect(Date.parse(edited.editedAt!) - Date.parse(sent[0]!.createdAt)).toBeGreaterThan(LIMITS.editWindowMs - 2 * MINUTE);

        aheadMs = LIMITS.editWindowMs + MINUTE;
        expect(refusal(await edit(via, t.url, a, sent[0]!.id, 'one, too late'))).toEqual(refused(via, 'CONFLICT', 409));
        // The retry of the edit made in time answers its outcome, not the closed window.
        expect(accepted(await edit(via, t.url, a, sent[0]!.id, 'one, edited', editId))).toEqual(edited);
        expect(accepted(await react(via, t.url, b, sent[0]!.id, '👍')).version).toBe(2);

        aheadMs = LIMITS.deleteWindowMs - MINUTE;
        expect(accepted(await remove(via, t.url, a, sent[1]!.id)).deletedAt).toEqual(expect.any(String));

        aheadMs = LIMITS.deleteWindowMs + MINUTE;
        expect(refusal(await remove(via, t.url, a, sent[2]!.id))).toEqual(refused(via, 'CONFLICT', 409));
        expect(refusal(await edit(via, t.url, a, sent[2]!.id, 'three, edited'))).toEqual(refused(via, 'CONFLICT', 409));
        expect(accepted(await react(via, t.url, b, sent[2]!.id, '😂')).reactions).toHaveLength(1);
        expect(accepted(await hide(via, t.url, b, sent[2]!.id)).hiddenAt).toEqual(expect.any(String));
      } finally {
        aheadMs = 0;
      }
    });
  }
});

describe.each(STORE_VARIANTS)('message actions and SEND_RATE_LIMIT on $kind', (variant) => {
  const t = useTestServer(variant, { sendRateLimit: 4 });

  for (const via of TRANSPORTS) {
    it(`${via}: actions take the sender's send budget (shared with sends, REST and socket): over it RATE_LIMITED (429 + Retry-After), nothing applied`, async () => {
      const [alice, bob] = [await register(t.url, 'alice'), await register(t.url, 'bob')];
      const a: Actor = { token: alice.token, socket: await t.open(alice.token) };
      const sent = (await sendOverRest(t.url, bob.token, alice.id, 'react to me')).body.message;
      // Alice: one send and three actions use her 4.
      expect((await sendOverSocket(a.socket, bob.id, 'mine')).ok).toBe(true);
      accepted(await react(via, t.url, a, sent.id, '👍'));
      accepted(await react(via, t.url, a, sent.id, '❤️'));
      const last = accepted(await hide(via, t.url, a, sent.id));
      expect(refusal(await react(via, t.url, a, sent.id, '😮'))).toEqual(refused(via, 'RATE_LIMITED', 429));
      expect((await sendOverSocket(a.socket, bob.id, 'one more')).ok).toBe(false);
      const res = await fetch(`${t.url}/api/messages/${sent.id}/reaction`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ clientId: newClientId(), emoji: '😮' }),
      });
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      // Nothing was applied: Bob's budget is his own, and his view shows Alice's last reaction.
      const bobs = await http(t.url, `/api/messages/conversation?with=${alice.id}`, { token: bob.token });
      expect(bobs.body.messages[0]).toMatchObject({ id: sent.id, reactions: [{ userId: alice.id, emoji: '❤️' }], version: last.version });
    });
  }
});

noteMongoSkip('message actions and server time');
noteMongoSkip('message actions and SEND_RATE_LIMIT');
