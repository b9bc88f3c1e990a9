import type { EngineState } from '@pigeon/sync-protocol/engine';
import { shallowRef, type ShallowRef } from 'vue';
import { engine } from '../engine.ts';
import { useEngineEvent } from './useEngineEvent.ts';

/** The engine's connection state and outbox size as a ref, updated on every `state` event. */
export function useEngineState(): Readonly<ShallowRef<EngineState>> {
  const state = shallowRef<EngineState>(engine.getState());
  useEngineEvent('state', (next) => {
    state.value = next;
  });
  return state;
}
