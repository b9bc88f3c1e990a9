import { describe, expect, it } from 'vitest';
import { CLOCK_SLACK_MS, gapOver, isNewForSound, shouldChime, type ChimeContext } from './chime-rule.ts';

const since = Date.parse('2026-12-01T10:00:00Z');
const msg = (over: Partial<{ senderId: string; type: 'text' | 'system'; createdAt: string; deletedAt: string | null; hiddenAt: string | null }> = {}) => ({
  senderId: 'ana',
  type: 'text' as const,
  createdAt: '2026-12-01T10:05:00Z',
  deletedAt: null,
  hiddenAt: null,
  ...over,
});
const ctx = (over: Partial<ChimeContext> = {}): ChimeContext => ({
  meId: 'me',
  openChatId: null,
  focused: true,
  muted: false,
  since,
  now: since + 300_000,
  lastPlayedAt: null,
  gapMs: 1500,
  ...over,
});

describe('isNewForSound', () => {
  it("takes someone else's text message sent since the app opened", () => {
    expect(isNewForSound(msg(), 'me', since)).toBe(true);
    expect(isNewForSound(msg({ senderId: 'me' }), 'me', since)).toBe(false);
    expect(isNewForSound(msg({ type: 'system' }), 'me', since)).toBe(false);
    expect(isNewForSound(msg({ deletedAt: '2026-12-01T10:06:00Z' }), 'me', since)).toBe(false);
  });

  it('leaves history out (older than the start, beyond the clock slack)', () => {
    expect(isNewForSound(msg({ createdAt: new Date(since - CLOCK_SLACK_MS - 1).toISOString() }), 'me', since)).toBe(false);
    expect(isNewForSound(msg({ createdAt: new Date(since - CLOCK_SLACK_MS + 1).toISOString() }), 'me', since)).toBe(true);
    expect(isNewForSound(msg({ createdAt: 'not a date' }), 'me', since)).toBe(false);
  });
});

describe('shouldChime', () => {
  const m = { conversationId: 'c1' };
  it('plays for a chat that is not in front of the user', () => {
    expect(shouldChime(m, ctx())).toBe(true);
    expect(shouldChime(m, ctx({ openChatId: 'c2' }))).toBe(true);
    expect(shouldChime(m, ctx({ openChatId: 'c1', focused: false }))).toBe(true);
  });

  it('stays quiet for the open, focused chat, a muted chat, and right after another sound', () => {
    expect(shouldChime(m, ctx({ openChatId: 'c1' }))).toBe(false);
    expect(shouldChime(m, ctx({ muted: true }))).toBe(false);
    expect(shouldChime(m, ctx({ lastPlayedAt: since + 299_000 }))).toBe(false);
    expect(shouldChime(m, ctx({ lastPlayedAt: since + 298_000 }))).toBe(true);
  });
});

describe('gapOver', () => {
  it('holds before the first sound and once the gap has passed since the last, not within it', () => {
    expect(gapOver({ lastPlayedAt: null, now: 10, gapMs: 1500 })).toBe(true);
    expect(gapOver({ lastPlayedAt: 1000, now: 2499, gapMs: 1500 })).toBe(false);
    expect(gapOver({ lastPlayedAt: 1000, now: 2500, gapMs: 1500 })).toBe(true);
  });
});
