import type { FastifyError, FastifyReply, FastifyRequest, FastifySchemaCompiler } from 'fastify';
import fp from 'fastify-plugin';
import type { z } from 'zod';
import { formatIssues } from '../../features/format-issues.ts';
import { DecisionLogBusyError, DecisionLogUnavailableError } from '../decisions/decision-log.ts';
import { HttpError, RequestValidationError, STATUS_TEXT, type ErrorBody } from './errors.ts';

/**
 * The one error path. Every refusal reaches the caller as `{statusCode, error, message, errors,
 * requestId}`:
 * - 4xx: the message is meant for the caller and names the field (zod issues pass through
 *   features/format-issues.ts, the same words `import` prints). Request bodies are never echoed:
 *   a malformed body may hold plates and document numbers, and so may a parser's message.
 * - 5xx: a generic message with the request id; the error itself is logged with that id.
 */

/** Validates request parts with zod and keeps its issues, so messages can name the field. */
export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema, httpPart }) =>
  (data) => {
    const result = schema.safeParse(data);
    if (result.success) return { value: result.data };
    return { error: new RequestValidationError(httpPart ?? 'request', formatIssues(result.error.issues, { input: data })) };
  };

/** Fastify's own client errors, in words a console developer can act on and without echoing input. */
function frameworkClientError(error: FastifyError, request: FastifyRequest, bodyLimit: number): HttpError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new HttpError(400, 'body: is not valid JSON');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new HttpError(400, 'body: is empty; a JSON object is required');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpError(413, `body: is larger than the ${request.routeOptions.bodyLimit ?? bodyLimit}-byte limit`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpError(415, `content-type: "${request.headers['content-type'] ?? ''}" is not supported; send application/json`);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new HttpError(400, 'content-length: does not match the body');
    case 'FST_ERR_VALIDATION':
      return new HttpError(400, error.message);
    default:
      return undefined;
  }
}

/**
 * The decision log stopped (a failed COMMIT or fsync: the process is exiting for a supervisor to
 * restart it, server.ts) or is closing. The write was not acknowledged: after a failed fsync it
 * may or may not be on disk, so the console sends it again once the service is back, with the
 * same Idempotency-Key to get the stored reply if it did land.
 */
function unavailable(error: unknown): HttpError | undefined {
  if (error instanceof DecisionLogBusyError) {
    const message = `${error.message}; send the request again with the same Idempotency-Key`;
    return new HttpError(503, message, undefined, { 'retry-after': String(BUSY_RETRY_AFTER_SECONDS) });
  }
  if (!(error instanceof DecisionLogUnavailableError)) return undefined;
  const message = `${error.message}; send the request again with the same Idempotency-Key once the service is back`;
  return new HttpError(503, message, undefined, { 'retry-after': String(RESTART_RETRY_AFTER_SECONDS) });
}

/** A restart takes a few seconds (model load and warm-up, /health/ready). */
const RESTART_RETRY_AFTER_SECONDS = 5;
/** Another process's write transaction (an import batch) usually ends within seconds. */
const BUSY_RETRY_AFTER_SECONDS = 2;

/**
 * The answer to a request that arrives while the service stops (SIGTERM: in-flight requests
 * finish, new ones are refused): 503 in the service's error format, with Retry-After, where
 * Fastify's own (return503OnClosing) has neither. Connection: close, so the console's next attempt
 * opens a connection to whatever serves the port next.
 */
export function stoppingError(): HttpError {
  const message = 'the service is stopping; send the request again after the Retry-After delay';
  return new HttpError(503, message, undefined, { 'retry-after': String(RESTART_RETRY_AFTER_SECONDS), connection: 'close' });
}

export interface ErrorHandlerOptions {
  readonly bodyLimit: number;
}

function send(reply: FastifyReply, request: FastifyRequest, statusCode: number, message: string, errors: readonly string[]): FastifyReply {
  const body: ErrorBody = {
    statusCode,
    error: STATUS_TEXT[statusCode] ?? 'Error',
    message,
    errors: [...errors],
    requestId: String(request.id),
  };
  return reply.code(statusCode).send(body);
}

export default fp<ErrorHandlerOptions>(
  async (fastify, options) => {
    fastify.setValidatorCompiler(zodValidatorCompiler);

    fastify.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
      const known = error instanceof HttpError ? error : (unavailable(error) ?? frameworkClientError(error, request, options.bodyLimit));
      if (known !== undefined && known.statusCode < 500) {
        request.log.info({ statusCode: known.statusCode, problems: known.errors }, 'request refused');
        reply.headers(known.headers);
        return send(reply, request, known.statusCode, known.message, known.errors);
      }
      if (known?.statusCode === 503 || (error as FastifyError).statusCode === 503) {
        // Overload and unavailability: the caller should retry later (Retry-After is set by the guard).
        request.log.warn({ err: error }, 'service unavailable');
        if (known !== undefined) reply.headers(known.headers);
        const message = known?.message ?? 'the service is overloaded; retry after the Retry-After delay';
        return send(reply, request, 503, message, [message]);
      }
      const status = (error as FastifyError).statusCode;
      if (status !== undefined && status >= 400 && status < 500) {
        // A framework 4xx we have no words for: its message is Fastify's, which never holds input.
        request.log.info({ statusCode: status, code: (error as FastifyError).code }, 'request refused');
        return send(reply, request, status, error.message, [error.message]);
      }
      request.log.error({ err: error }, 'request failed');
      const message = `internal error; quote request id ${String(request.id)}`;
      return send(reply, request, 500, message, [message]);
    });

    fastify.setNotFoundHandler((request, reply) => {
      const message = `no route ${request.method} ${request.url.split('?')[0] ?? ''}`;
      return send(reply, request, 404, message, [message]);
    });
  },
  { name: 'error-handler', fastify: '5.x' },
);
