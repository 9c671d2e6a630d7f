import { PassThrough } from 'node:stream';
import fp from 'fastify-plugin';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { COMMON_ERRORS, errorResponses, HttpError } from '../http/errors.ts';
import { writeDecisionExport } from './decision-export.ts';
import { DEFAULT_REPORT_DAYS, MonitoringQueryError, type MonitoringService } from './monitoring-service.ts';
import { alignToHours } from './time-buckets.ts';
import { driftQuerySchema, exportQuerySchema, fairnessQuerySchema, performanceQuerySchema, seriesQuerySchema } from './monitoring-query.ts';
import { dimensionsSchema, driftReportSchema, fairnessReportSchema, performanceReportSchema, seriesReportSchema } from './monitoring-schemas.ts';

/**
 * The oversight routes: accuracy, fairness and drift reports over the monitoring aggregates, and
 * the decision export as CSV. The handlers only parse and serialise: every figure comes from the
 * monitoring service (monitoring-service.ts), which /metrics and the dashboards call as well.
 */

declare module 'fastify' {
  interface FastifyInstance {
    monitoring: MonitoringService;
  }
}

const ERRORS = errorResponses(400, ...COMMON_ERRORS);

type DeepReadonly<T> = T extends (infer E)[] ? readonly DeepReadonly<E>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

/**
 * Runs a report, turning a parameter the aggregates cannot answer into a 400 naming it. The report
 * types are readonly where the schema's output type is not; the check that the report has the
 * schema's shape is `DeepReadonly` at compile time, and the serializer's at run time.
 */
function answer<S extends z.ZodType>(_schema: S, report: () => DeepReadonly<z.output<S>>): z.output<S> {
  try {
    return report() as z.output<S>;
  } catch (error) {
    throw asHttpError(error);
  }
}

/** `answer` for a report computed off the event loop. */
async function answerLater<S extends z.ZodType>(_schema: S, report: () => Promise<DeepReadonly<z.output<S>>>): Promise<z.output<S>> {
  try {
    return (await report()) as z.output<S>;
  } catch (error) {
    throw asHttpError(error);
  }
}

function asHttpError(error: unknown): unknown {
  return error instanceof MonitoringQueryError ? new HttpError(400, error.message) : error;
}

export interface MonitoringRoutesOptions {
  readonly clock: () => number;
}

export default fp<MonitoringRoutesOptions>(
  async (fastify, options) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    const monitoring = (): MonitoringService => fastify.monitoring;

    app.get(
      '/v1/monitoring/performance',
      {
        config: { roles: ['oversight', 'model_owner'] },
        schema: {
          summary: 'Referral rate, hit rates by route, label coverage, miss rates from the random selection, calibration',
          tags: ['oversight'],
          querystring: performanceQuerySchema,
          response: { 200: performanceReportSchema, ...ERRORS },
        },
      },
      async (request) => answer(performanceReportSchema, () => monitoring().performance(request.query)),
    );

    app.get(
      '/v1/monitoring/performance/series',
      {
        config: { roles: ['oversight', 'model_owner'] },
        schema: {
          summary: 'Referral rate, hit rates and label coverage per hour, day or week, optionally per port or model',
          tags: ['oversight'],
          querystring: seriesQuerySchema,
          response: { 200: seriesReportSchema, ...ERRORS },
        },
      },
      async (request) => answer(seriesReportSchema, () => monitoring().series(request.query)),
    );

    app.get(
      '/v1/monitoring/fairness',
      {
        config: { roles: ['oversight'] },
        schema: {
          summary: 'Group metrics (PPR, PPrev, precision, FDR, FPR, FNR, FOR), disparities with intervals and flags, the outcome test',
          tags: ['oversight'],
          querystring: fairnessQuerySchema,
          response: { 200: fairnessReportSchema, ...ERRORS },
        },
      },
      async (request) => {
        const q = request.query;
        return answerLater(fairnessReportSchema, () =>
          monitoring().fairness({
            from: q.from,
            to: q.to,
            port: q.port,
            model: q.model,
            attributes: q.attributes,
            references: q.reference,
            unit: q.unit,
            band: q.band,
            minimumCount: q.minCount,
            confidence: q.confidence,
            replicates: q.replicates,
            seed: q.seed,
          }),
        );
      },
    );

    app.get(
      '/v1/monitoring/drift',
      {
        config: { roles: ['oversight', 'model_owner'] },
        schema: {
          summary: 'PSI and Jensen\u2013Shannon distance of the score and each feature against the model card\u2019s training distribution',
          tags: ['oversight'],
          querystring: driftQuerySchema,
          response: { 200: driftReportSchema, ...ERRORS },
        },
      },
      async (request) => answer(driftReportSchema, () => monitoring().drift({ ...request.query, minimumCount: request.query.minCount })),
    );

    app.get(
      '/v1/monitoring/dimensions',
      {
        config: { roles: ['oversight', 'model_owner'] },
        schema: {
          summary: 'Ports and model versions with decisions in a window (for filters)',
          tags: ['oversight'],
          querystring: performanceQuerySchema.pick({ from: true, to: true }),
          response: { 200: dimensionsSchema, ...ERRORS },
        },
      },
      async (request) => answer(dimensionsSchema, () => monitoring().dimensions(request.query)),
    );

    app.get(
      '/v1/decisions/export',
      {
        config: { roles: ['oversight'] },
        schema: {
          summary: 'Decisions with their current outcome as CSV (RFC 4180), the audit CLI\u2019s input',
          tags: ['oversight'],
          querystring: exportQuerySchema,
          response: { 200: z.string().describe('text/csv; columns in service/monitoring/decision-export.ts'), ...ERRORS },
        },
      },
      async (request, reply) => {
        const q = request.query;
        const requestedTo = q.to ?? options.clock();
        const requestedFrom = q.from ?? requestedTo - DEFAULT_REPORT_DAYS * 86_400_000;
        if (!(requestedFrom < requestedTo)) throw new HttpError(400, 'from: must be before to');
        // Widened to whole hours as the performance report's window is (and as the parameters'
        // descriptions say), so an export holds the decisions that report counts. The fairness
        // report widens to whole UTC days: an export of whole days matches it too.
        const { from, to } = alignToHours(requestedFrom, requestedTo);
        const body = new PassThrough();
        const stamp = (ms: number): string => new Date(ms).toISOString().replace(/[-:]/g, '').slice(0, 15);
        void reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="decisions-${stamp(from)}-${stamp(to)}.csv"`)
          // A stream is sent as it is (no serializer); the 200 schema documents it as text.
          .send(body as never);
        writeDecisionExport(fastify.storage.databases.read, { from, to, port: q.port, model: q.model, rows: q.rows }, body).catch((error: unknown) => {
          request.log.error({ err: error }, 'decision export failed mid-stream');
          body.destroy(error as Error);
        });
        return reply;
      },
    );
  },
  { name: 'monitoring-routes', fastify: '5.x', dependencies: ['auth', 'storage'] },
);
