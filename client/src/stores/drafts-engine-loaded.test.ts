/**
 * drafts.ts touches the engine only once it is loaded: evaluated with the messenger's chunk, it
 * had created the engine in that task, undoing the engine loader's split (engine.ts).
 */
import { expect, it, vi } from 'vitest';

const fake = vi.hoisted(() => ({
  touched: [] as string[],
  loaded: [] as Array<(engine: unknown) => void>,
  real: null as Record<string, unknown> | null,
}));
// Like engine.ts's stand-in: any use is seen (and reaches the engine once there is one).
vi.mock('../engine.ts', () => ({
  engine: new Proxy({}, { get: (_t, key) => (fake.touched.push(String(key)), fake.real?.[key as string]) }),
}));
vi.mock('../boot/engine-loader.ts', () => ({ whenEngineLoaded: (fn: (engine: unknown) => void) => void fake.loaded.push(fn) }));

it('follows the engine once it is loaded, not when the module is evaluated', async () => {
  const { draftOf } = await import('./drafts.ts');
  expect(fake.touched).toEqual([]);
  expect(fake.loaded).toHaveLength(1);
  const listeners: string[] = [];
  const engine = {
    on: (event: string) => void listeners.push(event),
    getState: () => ({ userId: 'ann' }),
    drafts: { loaded: () => new Map([['c1', 'kept']]) },
  };
  fake.real = engine;
  fake.loaded[0]!(engine);
  expect(listeners).toEqual(['state']);
  expect(draftOf('c1')).toBe('kept');
});
