/**
 * A zod schema built on its first use instead of when its module is evaluated.
 *
 * Why: zod 4 builds every schema eagerly and each construction is costly (each instance gets
 * its own bound methods). The browser evaluates every schema of this package with the engine's
 * chunk, about 100 ms of one long task on a phone (4× CPU), although a page load parses a few
 * of them at most (#20: Lighthouse's total blocking time on an open chat). Wrapped, a schema
 * costs nothing until it parses, extends or composes into another one that does.
 *
 * The value is a Proxy standing for the schema: property reads, `in`, `instanceof` and key
 * listings reach the built schema, so call sites, composition and `z.infer` are unchanged.
 * zod's methods are closures over the built instance (not `this`), so a method read through
 * the proxy runs on the real schema.
 */
export function lazySchema<S extends object>(build: () => S): S {
  let built: S | undefined;
  const real = (): S => (built ??= build());
  // The target is a plain object: never read, it only keeps the proxy an 'object' for typeof.
  return new Proxy({} as S, {
    get: (_t, key) => Reflect.get(real(), key),
    set: (_t, key, value) => Reflect.set(real(), key, value),
    has: (_t, key) => Reflect.has(real(), key),
    ownKeys: () => Reflect.ownKeys(real()),
    // Reported configurable: a proxy may not claim a non-configurable property its target lacks.
    getOwnPropertyDescriptor: (_t, key) => {
      const d = Reflect.getOwnPropertyDescriptor(real(), key);
      return d && { ...d, configurable: true };
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(real()),
  });
}
