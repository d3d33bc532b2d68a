/**
 * `T` with every property and array element made `readonly`, all the way down. Parsed config is
 * typed this way so that the compiler, and not only `Object.freeze` at run time, stops a handler
 * from changing settings another table shares.
 */
export type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/**
 * Freezes a plain value and everything reachable from it, and returns it typed as
 * {@link DeepReadonly}.
 *
 * @example
 * const settings = deepFreeze({ tables: [{ name: 'Orders' }] });
 * Object.isFrozen(settings.tables[0]); // true
 */
export function deepFreeze<T>(value: T): DeepReadonly<T> {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) {
      deepFreeze(child);
    }
  }
  return value as DeepReadonly<T>;
}
