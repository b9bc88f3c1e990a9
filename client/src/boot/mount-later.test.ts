import { expect, it, vi } from 'vitest';

const gate = vi.hoisted(() => {
  let open: () => void = () => {};
  return { promise: new Promise<void>((resolve) => (open = resolve)), open: () => open() };
});
vi.mock('./next-task.ts', () => ({ nextTask: () => gate.promise }));
const { mountLater } = await import('./mount-later.ts');

it('mounts in a task after the language is ready, and also when it failed', async () => {
  const mounts: string[] = [];
  const ok = mountLater(Promise.resolve(), () => mounts.push('ready'));
  const failed = mountLater(Promise.reject(new Error('locale chunk')), () => mounts.push('failed'));
  for (let i = 0; i < 20; i++) await Promise.resolve();
  expect(mounts).toEqual([]);
  gate.open();
  await Promise.all([ok, failed]);
  expect(mounts.sort()).toEqual(['failed', 'ready']);
});
