import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { lazySchema } from './lazy-schema.ts';

describe('lazySchema', () => {
  it('builds the schema on first use, once', () => {
    const build = vi.fn(() => z.string().min(2));
    const schema = lazySchema(build);
    expect(build).not.toHaveBeenCalled();
    expect(schema.parse('ab')).toBe('ab');
    expect(schema.safeParse('a').success).toBe(false);
    expect(build).toHaveBeenCalledTimes(1);
  });

  it('composes like the schema it stands for', () => {
    const inner = lazySchema(() => z.object({ n: z.number().int() }));
    const outer = lazySchema(() => z.object({ a: inner, b: inner.optional(), c: z.array(inner) }));
    const extended = lazySchema(() => inner.extend({ s: z.string() }));
    expect(outer.parse({ a: { n: 1 }, c: [{ n: 2 }] })).toEqual({ a: { n: 1 }, c: [{ n: 2 }] });
    const bad = outer.safeParse({ a: { n: 1.5 }, c: [] });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['a', 'n']);
    expect(extended.parse({ n: 3, s: 'x' })).toEqual({ n: 3, s: 'x' });
    expect(inner).toBeInstanceOf(z.ZodObject);
    expect(Object.keys(inner.shape)).toEqual(['n']);
    expect(typeof inner).toBe('object');
    const u = lazySchema(() => z.discriminatedUnion('k', [z.object({ k: z.literal('a') }), lazySchema(() => z.object({ k: z.literal('b'), v: z.number() }))]));
    expect(u.parse({ k: 'b', v: 1 })).toEqual({ k: 'b', v: 1 });
  });
});
