/**
 * An object created on first use: `create` runs when a property of the returned stand-in is first
 * read (or `create` is called directly, which is how a caller picks the moment). Methods read
 * through the stand-in are bound to the real object, once per name, so `this` inside them is never
 * the stand-in and `obj.on === obj.on` holds.
 *
 * Why (engine.ts): modules import the page's one engine statically, but creating it cost a long
 * task of its own; with this, the engine loader creates it in a task after the chunk's evaluation.
 */
export function createdOnFirstUse<T extends object>(create: () => T): T {
  const bound = new Map<PropertyKey, unknown>();
  const method = (real: T, key: PropertyKey, value: unknown): unknown => {
    if (typeof value !== 'function') return value;
    let fn = bound.get(key);
    if (fn === undefined) bound.set(key, (fn = (value as (...a: unknown[]) => unknown).bind(real)));
    return fn;
  };
  return new Proxy({} as T, {
    get: (_t, key) => {
      const real = create();
      return method(real, key, Reflect.get(real, key));
    },
    set: (_t, key, value) => Reflect.set(create(), key, value),
    has: (_t, key) => Reflect.has(create(), key),
    getPrototypeOf: () => Reflect.getPrototypeOf(create()),
  });
}
