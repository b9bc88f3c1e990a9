import { afterEach, describe, expect, it } from 'vitest';
import { setLocale } from '../i18n/index.ts';
import { outboxText } from './outbox-text.ts';

describe('outboxText', () => {
  it('counts messages and changes (reactions, edits, deletes) apart', () => {
    expect(outboxText(3, 1)).toBe('2 messages and 1 change');
    expect(outboxText(2, 2)).toBe('2 changes');
    expect(outboxText(1, 0)).toBe('1 message');
    expect(outboxText(4, 3)).toBe('1 message and 3 changes');
    expect(outboxText(0, 0)).toBe('');
  });

  it('never counts below zero when the two counts were read a moment apart', () => {
    expect(outboxText(1, 2)).toBe('1 change');
  });

  describe('in French', () => {
    afterEach(() => setLocale('en'));
    it('uses French plural rules (0 and 1 singular) and "et"', async () => {
      await setLocale('fr');
      expect(outboxText(3, 1)).toBe('2 messages et 1 modification');
      expect(outboxText(1, 0)).toBe('1 message');
      expect(outboxText(2, 2)).toBe('2 modifications');
    });
  });
});
