/**
 * Deeply freezes a plain data value (objects and arrays, recursively) and
 * returns it. For values built once and shared by every caller, so a caller
 * that tried to change one would fail loudly instead of changing it for all.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
