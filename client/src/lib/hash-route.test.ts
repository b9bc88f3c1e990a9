import { describe, expect, it } from 'vitest';
import { chatHash, parseHash } from './hash-route.ts';

describe('parseHash / chatHash', () => {
  it('reads the list, a chat, a chat at a message, and the devices view', () => {
    expect(parseHash('')).toEqual({ view: 'list' });
    expect(parseHash('#/')).toEqual({ view: 'list' });
    expect(parseHash('#/devices')).toEqual({ view: 'devices' });
    expect(parseHash('#/c/abc')).toEqual({ view: 'chat', conversationId: 'abc', messageId: null });
    expect(parseHash('#/c/abc/m/m1')).toEqual({ view: 'chat', conversationId: 'abc', messageId: 'm1' });
  });

  it('round-trips ids with reserved characters', () => {
    for (const [c, m] of [['local:x/y', 'a/m/b'], ['dm:ü é', null]] as const) {
      expect(parseHash(chatHash(c, m))).toEqual({ view: 'chat', conversationId: c, messageId: m });
    }
  });

  it('does not throw on a malformed percent-encoding', () => {
    expect(parseHash('#/c/%E0%A4%A')).toEqual({ view: 'list' });
    expect(parseHash('#/c/%zz/m/1')).toEqual({ view: 'list' });
    // A good chat id with a broken message id opens the chat, at its newest message.
    expect(parseHash('#/c/abc/m/%E0%A4%A')).toEqual({ view: 'chat', conversationId: 'abc', messageId: null });
    expect(parseHash('#/c/%zz/m/1')).toEqual({ view: 'list' });
    expect(parseHash('#/c/abc/m/%')).toEqual({ view: 'chat', conversationId: 'abc', messageId: null });
    expect(parseHash('#/c/')).toEqual({ view: 'list' });
  });
});
