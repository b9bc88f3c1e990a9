import { describe, expect, it } from 'vitest';
import { messageBodySchema } from './model/message.ts';
import { displayNameSchema } from './model/user.ts';
import { hasBidiControl, isWellFormedText, textLength } from './text.ts';

describe('text rules', () => {
  it('counts code points: an astral emoji is one character, a lone surrogate is one too', () => {
    expect(textLength('abc')).toBe(3);
    expect(textLength('😀')).toBe(1);
    expect(textLength('a😀b')).toBe(3);
    expect(textLength('\uD83D')).toBe(1);
    expect(textLength('\uDE00\uD83D')).toBe(2);
  });

  it('finds lone surrogates anywhere, accepts pairs', () => {
    expect(isWellFormedText('x😀y')).toBe(true);
    expect(isWellFormedText('x\uD800y')).toBe(false);
    expect(isWellFormedText('x\uDC00')).toBe(false);
    expect(isWellFormedText('\uDE00\uD83D')).toBe(false);
  });

  it('a message body of 4,096 astral characters fits; 4,097 does not; a lone surrogate never does', () => {
    expect(messageBodySchema.safeParse('😀'.repeat(4096)).success).toBe(true);
    expect(messageBodySchema.safeParse('😀'.repeat(4097)).success).toBe(false);
    expect(messageBodySchema.safeParse('x\uD800y').success).toBe(false);
    expect(messageBodySchema.parse('  hi  ')).toBe('hi');
    expect(messageBodySchema.safeParse('   ').success).toBe(false);
  });

  it('display names refuse bidi overrides and isolates but keep marks', () => {
    expect(hasBidiControl('abc\u202Eexe.txt')).toBe(true);
    expect(hasBidiControl('a\u2066b')).toBe(true);
    expect(hasBidiControl('a\u200Fb')).toBe(false);
    expect(displayNameSchema.safeParse('Ann\u202E').success).toBe(false);
    expect(displayNameSchema.safeParse('ﺳﺎﺭﺓ').success).toBe(true);
    expect(displayNameSchema.safeParse('😀'.repeat(64)).success).toBe(true);
    expect(displayNameSchema.safeParse('😀'.repeat(65)).success).toBe(false);
  });
});
