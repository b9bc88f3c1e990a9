import { describe, expect, it, vi } from 'vitest';
import { loadEngine, mayHaveSession } from './engine-loader.ts';

/** The engine chunk as the loader sees it; the next task is a gate the test opens. */
const chunk = vi.hoisted(() => {
  let open: () => void = () => {};
  return {
    evaluated: false,
    gate: new Promise<void>((resolve) => (open = resolve)),
    open: () => open(),
    engine: { name: 'engine' },
    start: { calls: 0 },
  };
});
vi.mock('./next-task.ts', () => ({ nextTask: () => chunk.gate }));
vi.mock('./start-engine.ts', () => {
  chunk.evaluated = true;
  return { engine: chunk.engine, start: () => void chunk.start.calls++, resume: async () => null };
});

const factory = (databases: (() => Promise<IDBDatabaseInfo[]>) | undefined) => ({ databases }) as unknown as IDBFactory;

describe('mayHaveSession', () => {
  it('is false only when the browser lists no pigeon database', async () => {
    expect(await mayHaveSession(factory(async () => []))).toBe(false);
    expect(await mayHaveSession(factory(async () => [{ name: 'other', version: 1 }]))).toBe(false);
    expect(await mayHaveSession(factory(async () => [{ name: 'pigeon', version: 70 }]))).toBe(true);
  });

  it('leaves the decision to the engine when it cannot tell', async () => {
    expect(await mayHaveSession(undefined)).toBe(true);
    expect(await mayHaveSession(factory(undefined))).toBe(true);
    expect(
      await mayHaveSession(
        factory(async () => {
          throw new Error('blocked');
        }),
      ),
    ).toBe(true);
  });
});

describe('loadEngine', () => {
  it('creates the engine in a task after the one that evaluated its chunk', async () => {
    const loaded = loadEngine();
    await vi.waitFor(() => expect(chunk.evaluated).toBe(true));
    for (let i = 0; i < 20; i++) await Promise.resolve();
    expect(chunk.start.calls).toBe(0);
    chunk.open();
    expect(await loaded).toBe(chunk.engine);
    expect(chunk.start.calls).toBe(1);
    expect(await loadEngine()).toBe(chunk.engine);
    expect(chunk.start.calls).toBe(1);
  });
});
