import { describe, expect, it } from 'vitest';
import { optionId, stepOption } from './search-options.ts';

describe('stepOption', () => {
  it('enters the results from the box: down to the first, up to the last', () => {
    expect(stepOption(-1, 1, 4)).toBe(0);
    expect(stepOption(-1, -1, 4)).toBe(3);
  });

  it('moves one step, stays on the last, and leaves above the first', () => {
    expect(stepOption(1, 1, 4)).toBe(2);
    expect(stepOption(2, -1, 4)).toBe(1);
    expect(stepOption(3, 1, 4)).toBe(3);
    expect(stepOption(0, -1, 4)).toBe(-1);
  });

  it('has nothing to move to without results, and starts over when the active one is gone', () => {
    expect(stepOption(-1, 1, 0)).toBe(-1);
    expect(stepOption(5, 1, 2)).toBe(0);
  });

  it('makes ids apart per section and kind', () => {
    expect(optionId('v-1', 'person', 'u1')).toBe('v-1-person-u1');
    expect(optionId('v-1', 'chat', 'u1')).not.toBe(optionId('v-1', 'person', 'u1'));
  });
});
