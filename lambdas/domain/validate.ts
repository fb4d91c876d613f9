import type * as z from 'zod';
import { type FieldIssue, ValidationError } from './errors';

/** The value at `path` inside `root`, or undefined when any step is missing. */
function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** Parses `value` with `schema`, or throws a ValidationError naming every field at fault. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fields: FieldIssue[] = [];
  for (const issue of result.error.issues) {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        fields.push({ field: path ? `${path}.${key}` : key, message: 'is not a known field' });
    } else if (
      issue.code === 'invalid_type' &&
      issue.path.length > 0 &&
      valueAt(value, issue.path) === undefined
    ) {
      fields.push({ field: path, message: 'is required' });
    } else {
      fields.push({ field: path, message: issue.message });
    }
  }
  throw new ValidationError(fields);
}
