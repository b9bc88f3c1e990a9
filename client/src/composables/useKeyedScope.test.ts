import { describe, expect, it } from 'vitest';
import { effectScope, nextTick, onScopeDispose, ref, watch } from 'vue';
import { useKeyedScope } from './useKeyedScope.ts';

/** A build that records what it started and stopped, and a watcher that counts what it saw. */
function recorder() {
  const log: string[] = [];
  const tick = ref(0);
  const build = (key: string) => {
    log.push(`start ${key}`);
    const seen = ref(0);
    watch(tick, () => seen.value++, { flush: 'sync' });
    onScopeDispose(() => log.push(`stop ${key}`));
    return { key, seen };
  };
  return { log, tick, build };
}

describe('useKeyedScope', () => {
  it('builds for the first key, rebuilds when it changes, stopping the previous scope first', async () => {
    const { log, tick, build } = recorder();
    const key = ref<string | null>('a');
    const outer = effectScope();
    const value = outer.run(() => useKeyedScope(() => key.value, build))!;
    expect(value.value?.key).toBe('a');
    const a = value.value!;
    tick.value++;
    expect(a.seen.value).toBe(1);

    key.value = 'b';
    await nextTick();
    expect(log).toEqual(['start a', 'stop a', 'start b']);
    expect(value.value?.key).toBe('b');
    tick.value++;
    // The stopped scope's watcher no longer runs; the new one does.
    expect(a.seen.value).toBe(1);
    expect(value.value?.seen.value).toBe(1);
    outer.stop();
  });

  it('builds nothing for null, and stops what it built when the key becomes null', async () => {
    const { log, build } = recorder();
    const key = ref<string | null>(null);
    const outer = effectScope();
    const value = outer.run(() => useKeyedScope(() => key.value, build))!;
    expect(value.value).toBeNull();
    key.value = 'a';
    await nextTick();
    key.value = null;
    await nextTick();
    expect(value.value).toBeNull();
    expect(log).toEqual(['start a', 'stop a']);
    outer.stop();
  });

  it('keeps the value while the same key is set again, and stops it with its owner', async () => {
    const { log, build } = recorder();
    const key = ref<string | null>('a');
    const outer = effectScope();
    const value = outer.run(() => useKeyedScope(() => key.value, build))!;
    const first = value.value;
    key.value = 'a';
    await nextTick();
    expect(value.value).toBe(first);
    outer.stop();
    expect(log).toEqual(['start a', 'stop a']);
  });
});
