import { expect, it } from 'vitest';
import { nextTask } from './next-task.ts';

it('resolves in a later task, not among the current microtasks', async () => {
  let resolved = false;
  const yielded = nextTask().then(() => (resolved = true));
  for (let i = 0; i < 100; i++) await Promise.resolve();
  expect(resolved).toBe(false);
  await yielded;
  expect(resolved).toBe(true);
});

it('uses scheduler.yield where the browser has it', async () => {
  const g = globalThis as { scheduler?: unknown };
  let calls = 0;
  g.scheduler = { yield: () => (calls++, Promise.resolve()) };
  try {
    await nextTask();
    expect(calls).toBe(1);
  } finally {
    delete g.scheduler;
  }
});
