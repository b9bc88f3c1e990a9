import { describe, expect, it } from 'vitest';
import { usernameProblem } from './username-rule.ts';

describe('usernameProblem', () => {
  it('accepts what the server accepts', () => {
    expect(usernameProblem('ada.l_2-x')).toBeNull();
    expect(usernameProblem('ADA')).toBeNull();
  });
  it('names the problem otherwise', () => {
    expect(usernameProblem('ab')).toBe('length');
    expect(usernameProblem('a'.repeat(33))).toBe('length');
    expect(usernameProblem('ann marie')).toBe('characters');
    expect(usernameProblem('élodie')).toBe('characters');
    expect(usernameProblem('bob!')).toBe('characters');
  });
});
