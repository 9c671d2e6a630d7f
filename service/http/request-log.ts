import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * One JSON line per request, when it completes, instead of Fastify's two (incoming + completed):
 * the request id (reqId, from the logger's bindings), method, the route's *pattern*
 * (`/v1/decisions/:id`, never the URL, so no query string or path value reaches the logs),
 * status and time. Bodies are never logged: they hold plates and document numbers.
 */
export class RequestLogController extends LogController {
  override incomingRequest(): void {
    // Logged once, on completion.
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      statusCode: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 100) / 100,
    };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}
