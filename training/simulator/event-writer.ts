import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FEATURE_SPEC_HASH, FEATURE_SPEC_VERSION } from '../../features/feature-spec.ts';
import { openBufferedFile } from './buffered-file.ts';
import { createEventSerializer } from './event-json.ts';
import { PORTS, TIME_ZONE_RULE } from './ports.ts';
import type { SimulatedCrossing, SimulationPlan } from './simulate.ts';
import { createSimulationTally, type SimulationCounts } from './tally.ts';

export const CROSSINGS_FILE = 'crossings.ndjson';
export const TRUTH_FILE = 'truth.ndjson';
export const INSPECTIONS_FILE = 'inspections.ndjson';
export const MANIFEST_FILE = 'manifest.json';

/** Version of the files' layout; bump when a field changes meaning. */
export const SIMULATION_FORMAT_VERSION = 1;

/**
 * Writes a run to a directory:
 * - crossings.ndjson: one crossing event per line, exactly as `npm run import` reads them;
 * - truth.ndjson: line i is the ground truth of crossing line i
 *   ({ contraband, archetype, vehicleId, operationId, operationRun });
 * - inspections.ndjson: the historical secondary inspections, `line` the 1-based line of the
 *   crossing in crossings.ndjson ({ line, recordedAt, selection, result });
 * - manifest.json: options, plan, counts, realised base rate, feature spec hash.
 * Every file is a deterministic function of the options: no timings, no host names.
 */
export interface SimulationWriter {
  write(crossing: SimulatedCrossing): void;
  /** Flushes and closes the files, writes the manifest, returns the counts. */
  close(): SimulationCounts;
}

export function createSimulationWriter(directory: string, plan: SimulationPlan): SimulationWriter {
  mkdirSync(directory, { recursive: true });
  const crossings = openBufferedFile(join(directory, CROSSINGS_FILE));
  const truths = openBufferedFile(join(directory, TRUTH_FILE));
  const inspections = openBufferedFile(join(directory, INSPECTIONS_FILE));
  const tally = createSimulationTally();
  const serialize = createEventSerializer();
  let line = 0;
  return {
    write(crossing) {
      line++;
      const { event, truth } = crossing;
      tally.add(crossing);
      crossings.write(serialize(event) + '\n');
      truths.write(
        `{"contraband":${truth.contraband},"archetype":"${truth.archetype}","vehicleId":"${truth.vehicleId}","operationId":${
          truth.operationId === null ? 'null' : `"${truth.operationId}"`
        },"operationRun":${truth.operationRun === null ? 'null' : `"${truth.operationRun}"`}}\n`,
      );
      const inspection = truth.inspection;
      if (inspection !== null) {
        inspections.write(
          `{"line":${line},"recordedAt":"${inspection.recordedAt}","selection":"${inspection.selection}","result":"${inspection.result}"}\n`,
        );
      }
    },
    close() {
      crossings.close();
      truths.close();
      inspections.close();
      const counts = tally.counts();
      writeFileSync(join(directory, MANIFEST_FILE), JSON.stringify(manifestOf(plan, counts), null, 2) + '\n');
      return counts;
    },
  };
}

export function manifestOf(plan: SimulationPlan, counts: SimulationCounts) {
  const o = plan.options;
  return {
    format: 'secondary-referral simulation',
    formatVersion: SIMULATION_FORMAT_VERSION,
    featureSpec: { version: FEATURE_SPEC_VERSION, hash: FEATURE_SPEC_HASH },
    options: { seed: o.seed, vehicles: o.vehicles, days: o.days, start: o.start, baseRate: o.baseRate, injectBias: o.injectBias },
    files: { crossings: CROSSINGS_FILE, truth: TRUTH_FILE, inspections: INSPECTIONS_FILE },
    timeZones: TIME_ZONE_RULE,
    ports: PORTS.map((p) => ({ code: p.code, name: p.name })),
    plan: {
      operations: plan.operations,
      nominalInboundPerDay: round(plan.nominalInboundPerDay, 3),
      opportunisticLoadProbability: round(plan.opportunisticLoadProbability, 6),
    },
    targetBaseRate: o.baseRate,
    realisedBaseRate: counts.realisedBaseRate,
    counts,
  };
}

const round = (x: number, digits: number): number => Number(x.toFixed(digits));
