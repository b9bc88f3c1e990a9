/** A minimal typed event emitter (no Node `events`: the engine also runs in browsers). */
export class Emitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<(payload: never) => void>>();

  on<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        (listener as (p: Events[K]) => void)(payload);
      } catch (e) {
        // A listener's bug must not break the engine loop that emitted.
        console.error(`pigeon engine: '${String(event)}' listener threw`, e);
      }
    }
  }

  count(event: keyof Events): number {
    return this.listeners.get(event)?.size ?? 0;
  }
}
