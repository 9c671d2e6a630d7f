import { FLAG_RULE, UnknownReferenceGroupError, type DisparityBand, type FairnessTable } from '../../metrics/fairness.ts';
import { inProcessFairnessRunner, type FairnessRunner } from './fairness-runner.ts';
import { INFRA_MARGINALITY_CAVEAT } from '../../metrics/outcome-test.ts';
import { decisionCountsFrom } from './aggregate-counts.ts';
import type { AggregateFilters, AggregateReader, AggregateWindow, DimensionCount, SeriesBreakdown } from './aggregate-reader.ts';
import type { FairnessAttribute, FairnessUnit } from './audit-groups.ts';
import type { CardCatalog } from './card-catalog.ts';
import { driftFigures, type DriftFigures } from './drift-report.ts';
import { hitRatesOf, performanceFigures, rate, type PerformanceFigures, type Rate, type RouteHitRates } from './performance-report.ts';
import { DECISION_FIELD } from './decision-cells.ts';
import { alignToDays, alignToHours, levelByName, type LevelName } from './time-buckets.ts';

/**
 * The monitoring capability: reports over the aggregates, for the JSON routes, /metrics and the
 * dashboards alike (one implementation; the routes only parse and serialise).
 */

export interface WindowQuery {
  /** Epoch ms; default `to` − the report's default span. */
  readonly from?: number | undefined;
  /** Epoch ms; default now. */
  readonly to?: number | undefined;
  readonly port?: string | undefined;
  readonly model?: string | undefined;
}

export interface ResolvedWindow {
  readonly from: string;
  readonly to: string;
  readonly port: string | null;
  readonly model: string | null;
}

/** A query parameter the aggregates cannot answer (the route turns it into a 400 naming it). */
export class MonitoringQueryError extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(`${parameter}: ${message}`);
    this.name = 'MonitoringQueryError';
  }
}

export const DEFAULT_REPORT_DAYS = 30;
export const DEFAULT_DRIFT_DAYS = 7;
const DAY_MS = 86_400_000;

export interface PerformanceReport extends PerformanceFigures {
  readonly window: ResolvedWindow;
  readonly confidence: number;
}

export interface SeriesPointView {
  readonly from: string;
  readonly to: string;
  readonly port: string | null;
  readonly model: string | null;
  readonly decisions: number;
  readonly referralRate: Rate;
  readonly hitRates: RouteHitRates;
  readonly labelCoverage: Rate;
  readonly meanScore: number | null;
}

/** Series steps: the levels decision cells are kept at (time-buckets.ts DECISION_LEVELS). */
export type SeriesStep = Extract<LevelName, 'hour' | 'day' | 'week'>;

export interface SeriesReport {
  readonly window: ResolvedWindow;
  readonly step: SeriesStep;
  readonly by: SeriesBreakdown;
  readonly confidence: number;
  readonly points: readonly SeriesPointView[];
}

export interface FairnessQuery extends WindowQuery {
  readonly attributes: readonly FairnessAttribute[];
  readonly references: Readonly<Partial<Record<FairnessAttribute, string>>>;
  readonly unit: FairnessUnit;
  readonly band: DisparityBand;
  readonly minimumCount: number;
  readonly confidence: number;
  readonly replicates: number;
  readonly seed: number;
}

export interface FairnessReport {
  readonly window: ResolvedWindow;
  readonly unit: FairnessUnit;
  readonly attributes: readonly FairnessAttribute[];
  readonly seed: number;
  readonly flagRule: string;
  readonly outcomeTestCaveat: string;
  readonly tables: readonly FairnessTable[];
}

export interface DriftReport extends DriftFigures {
  readonly window: ResolvedWindow;
  readonly model: string;
  readonly reference: { readonly source: string; readonly trainingRows: number; readonly from: string | null; readonly to: string | null };
}

export interface DimensionsReport {
  readonly window: ResolvedWindow;
  readonly ports: readonly DimensionCount[];
  readonly models: readonly DimensionCount[];
}

/** Rolling figures for /metrics: per port and model version, and drift per model version. */
export interface MonitoringSnapshot {
  readonly window: ResolvedWindow;
  readonly cells: readonly {
    readonly port: string;
    readonly model: string;
    readonly decisions: number;
    readonly referralRate: Rate;
    readonly labelCoverage: Rate;
    readonly hitRates: RouteHitRates;
  }[];
  readonly drift: readonly { readonly model: string; readonly results: readonly DriftReport['score'][] }[];
}

export interface MonitoringService {
  performance(query: WindowQuery & { confidence?: number }): PerformanceReport;
  series(query: WindowQuery & { step: SeriesStep; by: SeriesBreakdown; confidence?: number }): SeriesReport;
  /** Asynchronous: the bootstrap runs on the fairness runner (a worker thread in the service). */
  fairness(query: FairnessQuery): Promise<FairnessReport>;
  drift(query: WindowQuery & { minimumCount?: number | undefined }): DriftReport;
  /** Ports and model versions with decisions in the window, most decisions first (for filters). */
  dimensions(query: WindowQuery): DimensionsReport;
  /** The last `days` days up to now (for gauges). */
  snapshot(days: number): MonitoringSnapshot;
}

export interface MonitoringServiceOptions {
  readonly reader: AggregateReader;
  readonly catalog: CardCatalog;
  readonly clock: () => number;
  /** Drift's default model version: the production model. */
  readonly productionVersion: () => string;
  /** Where fairness tables are computed; default on this thread (fairness-runner.ts). */
  readonly fairnessRunner?: FairnessRunner;
}

export function createMonitoringService(options: MonitoringServiceOptions): MonitoringService {
  const { reader, catalog, clock } = options;
  const fairnessRunner = options.fairnessRunner ?? inProcessFairnessRunner;

  const resolve = (
    q: WindowQuery,
    defaultDays: number,
    align: (from: number, to: number) => AggregateWindow = alignToHours,
  ): { window: AggregateWindow; filters: AggregateFilters; view: ResolvedWindow } => {
    const to = q.to ?? clock();
    const from = q.from ?? to - defaultDays * DAY_MS;
    if (!(from < to)) throw new MonitoringQueryError('from', `must be before to (${new Date(from).toISOString()} is not before ${new Date(to).toISOString()})`);
    const window = align(from, to);
    return {
      window,
      filters: { port: q.port, modelVersion: q.model },
      view: { from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString(), port: q.port ?? null, model: q.model ?? null },
    };
  };

  return {
    performance(q) {
      const { window, filters, view } = resolve(q, DEFAULT_REPORT_DAYS);
      const confidence = q.confidence ?? 0.95;
      const figures = reader.consistently(() => performanceFigures(reader.decisionSums(window, filters), reader.calibrationSums(window, filters), confidence));
      return { window: view, confidence, ...figures };
    },

    series(q) {
      const { window, filters, view } = resolve(q, DEFAULT_REPORT_DAYS);
      const level = levelByName(q.step);
      const aligned = { from: Math.floor(window.from / level.size) * level.size, to: Math.ceil(window.to / level.size) * level.size };
      const buckets = (aligned.to - aligned.from) / level.size;
      if (buckets > 5000) throw new MonitoringQueryError('step', `${q.step} steps over this window give ${buckets} points; at most 5000: choose a coarser step or a shorter window`);
      const confidence = q.confidence ?? 0.95;
      const points = reader.decisionSeries(level.level, aligned, filters, q.by).map((p): SeriesPointView => {
        const v = (f: keyof typeof DECISION_FIELD): number => p.values[DECISION_FIELD[f]] as number;
        const decisions = Math.round(v('decisions'));
        return {
          from: new Date(p.bucket).toISOString(),
          to: new Date(p.bucket + level.size).toISOString(),
          port: p.port,
          model: p.modelVersion,
          decisions,
          referralRate: rate(v('referrals'), decisions, confidence),
          hitRates: hitRatesOf(p.values, confidence),
          labelCoverage: rate(v('referrals_inspected'), v('referrals'), confidence),
          meanScore: decisions === 0 ? null : v('score_sum') / decisions,
        };
      });
      return {
        window: { ...view, from: new Date(aligned.from).toISOString(), to: new Date(aligned.to).toISOString() },
        step: q.step,
        by: q.by,
        confidence,
        points,
      };
    },

    async fairness(q) {
      const { window, filters, view } = resolve(q, DEFAULT_REPORT_DAYS, alignToDays);
      for (const name of Object.keys(q.references)) {
        if (!q.attributes.includes(name as FairnessAttribute)) {
          throw new MonitoringQueryError('reference', `names attribute '${name}', which is not among attributes (${q.attributes.join(', ')})`);
        }
      }
      const groups = reader
        .consistently(() => reader.groupSums(window, filters, q.unit, q.attributes))
        .map((g) => ({ key: g.key, counts: decisionCountsFrom(g.values) }))
        .filter((g) => g.counts.unlabelledReferred + g.counts.unlabelledReleased + Object.values(g.counts.labelledRows).reduce((a, b) => a + b, 0) > 0);
      let tables: FairnessTable[] = [];
      if (groups.length > 0) {
        try {
          tables = await fairnessRunner.tables(groups, {
            attributes: q.attributes,
            references: q.references,
            band: q.band,
            minimumCount: q.minimumCount,
            confidence: q.confidence,
            replicates: q.replicates,
            seed: q.seed,
          });
        } catch (error) {
          if (error instanceof UnknownReferenceGroupError) throw new MonitoringQueryError('reference', error.message);
          throw error;
        }
      }
      return {
        window: view,
        unit: q.unit,
        attributes: q.attributes,
        seed: q.seed,
        flagRule: FLAG_RULE,
        outcomeTestCaveat: INFRA_MARGINALITY_CAVEAT,
        tables,
      };
    },

    drift(q) {
      const { window, view } = resolve(q, DEFAULT_DRIFT_DAYS);
      const model = q.model ?? options.productionVersion();
      const card = catalog.card(model);
      const layout = catalog.layout(model);
      if (card === undefined || layout === undefined) throw new MonitoringQueryError('model', `no model card for version '${model}' in the registry, so no training distribution to compare with`);
      const { values } = reader.consistently(() => reader.distributionSums(window, q.port, model, layout.length));
      return {
        window: { ...view, model },
        model,
        reference: {
          source: card.trainingData.source,
          trainingRows: card.trainingData.rows,
          from: card.trainingData.from ?? null,
          to: card.trainingData.to ?? null,
        },
        ...driftFigures(card, layout, values, q.minimumCount),
      };
    },

    snapshot(days) {
      const { window, view } = resolve({}, days);
      return reader.consistently(() => snapshotOf(window, view));
    },

    dimensions(q) {
      const { window, view } = resolve(q, DEFAULT_REPORT_DAYS);
      return { window: view, ...reader.dimensions(window) };
    },
  };

  function snapshotOf(window: AggregateWindow, view: ResolvedWindow): MonitoringSnapshot {
    const cells = reader.decisionSumsByPortAndModel(window).map((c) => {
      const v = (f: keyof typeof DECISION_FIELD): number => c.values[DECISION_FIELD[f]] as number;
      return {
        port: c.port,
        model: c.modelVersion,
        decisions: Math.round(v('decisions')),
        referralRate: rate(v('referrals'), v('decisions')),
        labelCoverage: rate(v('referrals_inspected'), v('referrals')),
        hitRates: hitRatesOf(c.values),
      };
    });
    const models = [...new Set(cells.filter((c) => c.decisions > 0).map((c) => c.model))];
    const drift = models.flatMap((model) => {
      const card = catalog.card(model);
      const layout = catalog.layout(model);
      if (card === undefined || layout === undefined) return [];
      const figures = driftFigures(card, layout, reader.distributionSums(window, undefined, model, layout.length).values);
      return [{ model, results: [figures.score, ...figures.features] }];
    });
    return { window: view, cells, drift };
  }
}
