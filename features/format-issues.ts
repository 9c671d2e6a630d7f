import type { z } from 'zod';

/**
 * Turns zod issues into messages that name the field and the rule, e.g.
 * `occupants: exactly one driver is required` or `vehicle.color: unknown field`.
 * Used by the HTTP error handler and by `import`, so a console and an operator read the same words.
 */
export function formatIssue(issue: z.core.$ZodIssue, prefix: readonly PropertyKey[] = []): string {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'unrecognized_keys') {
    return issue.keys
      .map((key) => `${formatPath([...path, key])}: unknown field`)
      .join('; ');
  }
  const where = path.length === 0 ? 'body' : formatPath(path);
  return `${where}: ${plainMessage(issue)}`;
}

export function formatIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): string[] {
  return issues.map((issue) => formatIssue(issue, prefix));
}

/** `occupants.1.audit.sex` style: what a console developer searches for in their payload. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((part) => String(part)).join('.');
}

function plainMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.message.startsWith('Invalid input')) {
    // zod says "Invalid input: expected string, received undefined" for a missing field.
    if (/received undefined$/.test(issue.message)) return 'is required';
    return `must be ${article(issue.expected)}`;
  }
  if (issue.code === 'invalid_value' && issue.message.startsWith('Invalid option') && issue.values.length > 0) {
    return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return issue.message;
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
