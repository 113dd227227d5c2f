import { AssertionError } from 'node:assert';

/**
 * The value, narrowed to present; a missing one fails the test with a message. What tests use instead of a
 * non-null `!`, which would let a missing value through as a TypeError somewhere later.
 */
export function must<T>(value: T | null | undefined, what = 'a value'): T {
  if (value === undefined || value === null) throw new AssertionError({ message: `expected ${what}, got ${String(value)}` });
  return value;
}
