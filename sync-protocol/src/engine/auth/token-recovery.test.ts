import { describe, expect, it } from 'vitest';
import { PigeonError } from '../../errors.ts';
import type { Message, SendMessageInput } from '../../model/message.ts';
import type { Transport } from '../transport/transport.ts';
import { TOKEN_ATTEMPTS, withTokenRecovery } from './token-recovery.ts';

/** A transport whose sendMessage refuses every token but `good`, and logs which token each call carried. */
function fakeTransport(session: { token: string }, good: string) {
  const calls: string[] = [];
  const t = {
    sendMessage: async (input: SendMessageInput) => {
      calls.push(session.token);
      if (session.token !== good) throw new PigeonError('UNAUTHENTICATED', 'session ended');
      return { clientId: input.clientId } as Message;
    },
  } as unknown as Transport;
  return { t, calls };
}

const input: SendMessageInput = { clientId: 'c1', to: 'peer', body: 'hi' };

describe('withTokenRecovery', () => {
  it("retries a refused call once with the same user's newer token", async () => {
    const session = { user: 'anna', token: 'anna-1' };
    const { t, calls } = fakeTransport(session, 'anna-2');
    const wrapped = withTokenRecovery(t, {
      me: () => session.user,
      token: () => session.token,
      recover: async () => ((session.token = 'anna-2'), true),
    });
    await expect(wrapped.sendMessage(input, 'rest')).resolves.toMatchObject({ clientId: 'c1' });
    expect(calls).toEqual(['anna-1', 'anna-2']);
  });

  it('retries again when the refreshed token expired before its retry was served, up to TOKEN_ATTEMPTS calls', async () => {
    const session = { user: 'anna', token: 'anna-1' };
    const { t, calls } = fakeTransport(session, `anna-${TOKEN_ATTEMPTS}`);
    let refreshes = 0;
    const wrapped = withTokenRecovery(t, {
      me: () => session.user,
      token: () => session.token,
      recover: async (used) => {
        expect(used).toBe(session.token); // asked about the token the refused call carried
        refreshes += 1;
        session.token = `anna-${refreshes + 1}`;
        return true;
      },
    });
    await expect(wrapped.sendMessage(input, 'rest')).resolves.toMatchObject({ clientId: 'c1' });
    expect(calls).toEqual(Array.from({ length: TOKEN_ATTEMPTS }, (_, i) => `anna-${i + 1}`));

    // A server refusing every token: the call stops after TOKEN_ATTEMPTS, refused.
    const stubborn = fakeTransport(session, 'never');
    const refusing = withTokenRecovery(stubborn.t, { me: () => 'anna', token: () => session.token, recover: async () => ((session.token += '+'), true) });
    await expect(refusing.sendMessage(input, 'rest')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(stubborn.calls).toHaveLength(TOKEN_ATTEMPTS);
  });

  // reliability.md C6: anna's send, refused after her sign-out, went out again with ben's token.
  it('never retries with the token of another account that signed in meanwhile', async () => {
    const session = { user: 'anna', token: 'anna-1' };
    const { t, calls } = fakeTransport(session, 'ben-1');
    const asked: [string, string][] = [];
    const wrapped = withTokenRecovery(t, {
      me: () => session.user,
      token: () => session.token,
      // A host that (wrongly) calls any newer token a cure: the wrapper still checks whose it is.
      recover: async (used, user) => {
        asked.push([used, user]);
        Object.assign(session, { user: 'ben', token: 'ben-1' });
        return true;
      },
    });
    await expect(wrapped.sendMessage(input, 'rest')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(asked).toEqual([['anna-1', 'anna']]);
    expect(calls).toEqual(['anna-1']);
  });
});
