import type { EngineEvents } from '@pigeon/sync-protocol/engine';
import { getCurrentScope, onScopeDispose } from 'vue';
import { engine } from '../engine.ts';

/** Listens to an engine event for the lifetime of the calling component/scope. */
export function useEngineEvent<K extends keyof EngineEvents>(event: K, listener: (payload: EngineEvents[K]) => void): () => void {
  const off = engine.on(event, listener);
  if (getCurrentScope()) onScopeDispose(off);
  return off;
}
