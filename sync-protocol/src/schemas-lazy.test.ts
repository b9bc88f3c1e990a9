/**
 * Importing the package builds no zod schema: the browser evaluates it with the engine's chunk,
 * and each schema built there lengthened one long task of a page load (lazy-schema.ts).
 */
import { expect, it, vi } from 'vitest';

const built = vi.hoisted(() => ({ count: 0, names: [] as string[] }));

vi.mock('zod', async (importOriginal) => {
  const mod = await importOriginal<typeof import('zod')>();
  // Every schema starts as a call of one of z's factories (z.object, z.string …).
  const z = new Proxy(mod.z, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function' || typeof key !== 'string' || /^[A-Z]/.test(key)) return value;
      return (...args: unknown[]) => {
        built.count++;
        built.names.push(key);
        return (value as (...a: unknown[]) => unknown)(...args);
      };
    },
  });
  return { ...mod, z };
});

it('importing the engine builds no schema either (its REST client and profile checks included)', async () => {
  await import('./engine/index.ts');
  expect(built.names).toEqual([]);
});

it('importing @pigeon/sync-protocol builds no schema; parsing builds what it needs', async () => {
  const protocol = await import('./index.ts');
  expect(built.names).toEqual([]);
  expect(protocol.messageStatusSchema.parse('read')).toBe('read');
  expect(built.count).toBeGreaterThan(0);
});
