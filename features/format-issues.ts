import type { z } from 'zod';

export interface FormatOptions {
  /** Path of the validated value inside the payload, e.g. ['crossings', 3] for one item of a batch. */
  readonly prefix?: readonly PropertyKey[];
  /**
   * The value that was validated. zod reports a missing enum field as a wrong value ("Invalid
   * option"); with the input at hand the message says the field is missing instead.
   */
  readonly input?: unknown;
}

/**
 * Turns zod issues into messages that name the field and the rule, e.g.
 * `occupants: exactly one driver is required` or `vehicle.color: unknown field`.
 * Used by the HTTP error handler and by `import`, so a console and an operator read the same words.
 */
export function formatIssue(issue: z.core.$ZodIssue, options: FormatOptions = {}): string {
  const path = [...(options.prefix ?? []), ...issue.path];
  if (issue.code === 'unrecognized_keys') {
    return issue.keys
      .map((key) => `${formatPath([...path, key])}: unknown field`)
      .join('; ');
  }
  const where = path.length === 0 ? 'body' : formatPath(path);
  return `${where}: ${plainMessage(issue, options)}`;
}

export function formatIssues(issues: readonly z.core.$ZodIssue[], options: FormatOptions = {}): string[] {
  return issues.map((issue) => formatIssue(issue, options));
}

/** `occupants.1.audit.sex` style: what a console developer searches for in their payload. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((part) => String(part)).join('.');
}

function plainMessage(issue: z.core.$ZodIssue, options: FormatOptions): string {
  if (issue.code === 'invalid_type' && issue.message.startsWith('Invalid input')) {
    // zod says "Invalid input: expected string, received undefined" for a missing field.
    if (/received undefined$/.test(issue.message)) return 'is required';
    return `must be ${article(issue.expected)}`;
  }
  if (issue.code === 'invalid_value' && issue.message.startsWith('Invalid option') && issue.values.length > 0) {
    const choices = issue.values.map((v) => JSON.stringify(v)).join(', ');
    return options.input !== undefined && isMissing(options.input, issue.path) ? `is required: one of ${choices}` : `must be one of ${choices}`;
  }
  return issue.message;
}

/**
 * True when `input` has an object at the field's parent and that object lacks the field. Where the
 * path does not lead through objects in `input` (a schema that preprocesses, e.g. `a,b` into an
 * array), nothing is known, and the message stays the rule's.
 */
function isMissing(input: unknown, path: readonly PropertyKey[]): boolean {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return false;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value === undefined;
}

function article(expected: string): string {
  switch (expected) {
    case 'int':
      return 'an integer';
    case 'array':
    case 'object':
      return `an ${expected}`;
    default:
      return `a ${expected}`;
  }
}
