import { AssertionError } from 'node:assert';

/**
 * Reading JSON a test did not write (an answer body, a recorded request, an SSE event's data) as `unknown`, narrowed
 * step by step: a wrong shape fails the test with the path and what was there, instead of a TypeError later or a
 * cast that lets it through.
 */

export type JsonObject = Record<string, unknown>;
type Step = string | number;

const shown = (value: unknown): string => {
  const text = JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
};

const fail = (what: string, value: unknown): never => {
  throw new AssertionError({ message: `expected ${what}, got ${value === undefined ? 'undefined' : shown(value)}` });
};

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value as an object (not an array, not null). */
export function obj(value: unknown, what = 'an object'): JsonObject {
  return isObject(value) ? value : fail(what, value);
}

/** The value as an array. */
export function arr(value: unknown, what = 'an array'): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : fail(what, value);
}

/** The value as a string. */
export function str(value: unknown, what = 'a string'): string {
  return typeof value === 'string' ? value : fail(what, value);
}

/** The value as a number. */
function num(value: unknown, what = 'a number'): number {
  return typeof value === 'number' ? value : fail(what, value);
}

/**
 * What lies at `path` inside `value` (`at(body, 'choices', 0, 'delta')`): a string step reads an object's field, a
 * number an array's element. The last step may be missing (undefined comes back, for a test to assert on); a step
 * before it that is not an object or array fails with the path so far.
 */
export function at(value: unknown, ...path: Step[]): unknown {
  let here = value;
  const walked: string[] = [];
  for (const step of path) {
    const where = walked.length ? walked.join('') : 'the value';
    if (typeof step === 'number') here = arr(here, `an array at ${where}`)[step];
    else here = obj(here, `an object at ${where}`)[step];
    walked.push(typeof step === 'number' ? `[${step}]` : `.${step}`);
  }
  return here;
}

/** `at`, narrowed to an object. */
export function objAt(value: unknown, ...path: Step[]): JsonObject {
  return obj(at(value, ...path), `an object at ${path.join('.')}`);
}

/** `at`, narrowed to an array. */
export function arrAt(value: unknown, ...path: Step[]): unknown[] {
  return arr(at(value, ...path), `an array at ${path.join('.')}`);
}

/** `at`, narrowed to a string. */
export function strAt(value: unknown, ...path: Step[]): string {
  return str(at(value, ...path), `a string at ${path.join('.')}`);
}

/** `at`, narrowed to a number. */
export function numAt(value: unknown, ...path: Step[]): number {
  return num(at(value, ...path), `a number at ${path.join('.')}`);
}

/** JSON text parsed, as `unknown` to be narrowed. */
export function parseJson(text: string): unknown {
  return JSON.parse(text);
}
