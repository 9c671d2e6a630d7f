import { z } from 'zod';

/**
 * Errors a route throws on purpose, with the status and a message meant for the caller. The error
 * handler (error-handler.plugin.ts) passes 4xx messages through and hides everything else.
 */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    /** Each problem on its own, e.g. one per invalid field. */
    readonly errors: readonly string[] = [message],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** A request part failed its zod schema; `messages` come from features/format-issues.ts. */
export class RequestValidationError extends HttpError {
  constructor(
    readonly part: string,
    messages: readonly string[],
  ) {
    super(400, messages.join('; '), messages);
    this.name = 'RequestValidationError';
  }
}

export const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const errorBodySchema = z
  .object({
    statusCode: z.number().int().describe('The HTTP status, repeated'),
    error: z.string().describe('The status text, e.g. Bad Request'),
    message: z.string().describe('What went wrong; for 4xx it names the field, e.g. "occupants: exactly one driver is required"'),
    errors: z.array(z.string()).describe('Each problem on its own line'),
    requestId: z.string().describe('Quote it when reporting a problem: the logs carry it'),
  })
  .meta({ id: 'Error' });

export type ErrorBody = z.infer<typeof errorBodySchema>;

/** The response schemas of the error statuses a route can return, for its `schema.response`. */
export function errorResponses<const S extends readonly number[]>(...statuses: S): { [K in S[number]]: typeof errorBodySchema } {
  return Object.fromEntries(statuses.map((s) => [s, errorBodySchema])) as { [K in S[number]]: typeof errorBodySchema };
}

/** Every route can be refused by auth, the overload guard, and can fail. */
export const COMMON_ERRORS = [401, 403, 500, 503] as const;
/** Routes with a JSON body can also get these. */
export const BODY_ERRORS = [400, 413, 415] as const;
