import type { Archetype, SimulatedCrossing } from './simulate.ts';
import { ARCHETYPES } from './vehicles.ts';

/** Counts over a run, for the manifest and the CLI's report. */
export interface SimulationCounts {
  readonly crossings: number;
  readonly inbound: number;
  readonly outbound: number;
  readonly contrabandInbound: number;
  /** contrabandInbound / inbound. */
  readonly realisedBaseRate: number;
  readonly byArchetype: Readonly<Record<Archetype, { readonly crossings: number; readonly inbound: number; readonly contraband: number }>>;
  /** Operations that crossed at least once. */
  readonly operationsSeen: number;
  /** Distinct vehicles that crossed. */
  readonly vehicles: number;
  readonly inspections: {
    readonly random: number;
    readonly targeted: number;
    readonly seizures: number;
    /** Share of inbound crossings sent to secondary, and of contraband-carrying ones that were. */
    readonly inspectedShare: number;
    readonly contrabandInspectedShare: number;
  };
  readonly firstTimestamp: string | null;
  readonly lastTimestamp: string | null;
}

export interface SimulationTally {
  add(crossing: SimulatedCrossing): void;
  counts(): SimulationCounts;
}

/** Memory: one set entry per distinct vehicle and operation; nothing per crossing. */
export function createSimulationTally(): SimulationTally {
  let crossings = 0;
  let inbound = 0;
  let contraband = 0;
  let random = 0;
  let targeted = 0;
  let seizures = 0;
  let first: string | null = null;
  let last: string | null = null;
  const byArchetype = Object.fromEntries(ARCHETYPES.map((a) => [a, { crossings: 0, inbound: 0, contraband: 0 }])) as Record<
    Archetype,
    { crossings: number; inbound: number; contraband: number }
  >;
  const operations = new Set<string>();
  const vehicles = new Set<string>();
  return {
    add({ event, truth }) {
      crossings++;
      first ??= event.timestamp;
      last = event.timestamp;
      const archetype = byArchetype[truth.archetype];
      archetype.crossings++;
      vehicles.add(truth.vehicleId);
      if (truth.operationId !== null) operations.add(truth.operationId);
      if (event.direction === 'inbound') {
        inbound++;
        archetype.inbound++;
        if (truth.contraband) {
          contraband++;
          archetype.contraband++;
        }
      }
      if (truth.inspection !== null) {
        if (truth.inspection.selection === 'random') random++;
        else targeted++;
        if (truth.inspection.result === 'seizure') seizures++;
      }
    },
    counts() {
      return {
        crossings,
        inbound,
        outbound: crossings - inbound,
        contrabandInbound: contraband,
        realisedBaseRate: inbound === 0 ? 0 : contraband / inbound,
        byArchetype,
        operationsSeen: operations.size,
        vehicles: vehicles.size,
        inspections: {
          random,
          targeted,
          seizures,
          inspectedShare: inbound === 0 ? 0 : (random + targeted) / inbound,
          contrabandInspectedShare: contraband === 0 ? 0 : seizures / contraband,
        },
        firstTimestamp: first,
        lastTimestamp: last,
      };
    },
  };
}
