import { describe, expect, it, vi } from 'vitest';
import { createdOnFirstUse } from './created-on-first-use.ts';

class Counter {
  n = 0;
  readonly parts = { label: 'parts' };
  bump(): number {
    return ++this.n;
  }
}

describe('createdOnFirstUse', () => {
  it('creates the object on the first property read, once', () => {
    let real: Counter | null = null;
    const create = vi.fn(() => (real ??= new Counter()));
    const counter = createdOnFirstUse(create);
    expect(create).not.toHaveBeenCalled();
    expect(counter.parts.label).toBe('parts');
    expect(counter.bump()).toBe(1);
    expect(real!.n).toBe(1);
    expect(counter).toBeInstanceOf(Counter);
    expect('bump' in counter).toBe(true);
  });

  it('binds methods to the real object, the same function each time', () => {
    const real = new Counter();
    const counter = createdOnFirstUse(() => real);
    const { bump } = counter;
    expect(bump()).toBe(1);
    expect(counter.bump).toBe(counter.bump);
    counter.n = 10;
    expect(real.n).toBe(10);
    expect(counter.bump()).toBe(11);
  });
});
