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

/** zod's type names in the words of someone reading the API docs. */
const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a JSON object',
  array: 'an array',
  record: 'a JSON object',
};

function mustBe(expected: string): string {
  return `must be ${TYPE_WORDS[expected] ?? expected}`;
}

type Issue = z.core.$ZodIssue;

/**
 * One issue as a sentence about its field: "must be a string", "must be one of "a", "b"". zod's own
 * defaults ("Invalid input: expected string, received number") never reach a caller; messages the schemas
 * set themselves ("must be at most 128 characters") pass through.
 */
function describe(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      return mustBe(issue.expected);
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union': {
      const branches = issue.errors.flat();
      // A branch that got past the type check has the telling message (a pattern, a length).
      const specific = branches.find((b) => b.code !== 'invalid_type' && b.code !== 'invalid_value');
      if (specific) return describe(specific);
      const types = branches.flatMap((b) => (b.code === 'invalid_type' ? [b.expected] : []));
      return types.length > 0 ? mustBe(types.includes('string') ? 'string' : types[0]!) : issue.message;
    }
    default:
      return issue.message;
  }
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
    } else if (issue.path.length === 0 && issue.code === 'invalid_type') {
      // The body itself (a JSON array, a string, null): `field` is '' for the body.
      fields.push({ field: '', message: `the request body ${mustBe(issue.expected)}` });
    } else if (
      issue.code === 'invalid_type' &&
      issue.path.length > 0 &&
      valueAt(value, issue.path) === undefined
    ) {
      fields.push({ field: path, message: 'is required' });
    } else {
      fields.push({ field: path, message: describe(issue) });
    }
  }
  throw new ValidationError(fields);
}
