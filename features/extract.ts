import type { FeatureInput } from './feature-input.ts';
import {
  DAYS_SINCE_CAP,
  DAYS_SINCE_LAST_CROSSING_CAP,
  FEATURE_COUNT,
  FEATURE_INDEX as I,
  HOURS_SINCE_OUTBOUND_CAP,
  VEHICLE_AGE_CAP_YEARS,
} from './feature-spec.ts';
import { DAY_MS, HOUR_MS, type CrossingHistory } from './history.ts';

/**
 * The feature vector of a crossing, in spec order (features/feature-spec.ts), from the crossing
 * and its history strictly before it. Pure: the same input gives the same bits, live in the
 * service, in a training set rebuilt from history and in the simulator's dataset.
 *
 * `out` lets a caller fill a row of a larger buffer (training sets) without copying.
 */
export function extract(input: FeatureInput, history: CrossingHistory, out: Float32Array = new Float32Array(FEATURE_COUNT)): Float32Array {
  if (out.length !== FEATURE_COUNT) throw new RangeError(`output has ${out.length} slots, the spec has ${FEATURE_COUNT}`);
  if (history.travelers.length !== input.occupants.length) {
    throw new RangeError(`history has ${history.travelers.length} travelers for ${input.occupants.length} occupants`);
  }
  const t = input.at;
  const v = history.vehicle;

  out[I.vehicleCrossings24h] = v.crossings24h;
  out[I.vehicleCrossings7d] = v.crossings7d;
  out[I.vehicleCrossings30d] = v.crossings30d;
  out[I.vehicleCrossings365d] = v.crossings365d;
  out[I.vehicleDistinctPorts30d] = v.distinctPorts30d;
  out[I.vehicleDistinctDrivers30d] = v.distinctDrivers30d;
  out[I.vehicleNeverSeen] = v.firstSeenAt === null ? 1 : 0;
  out[I.vehicleDaysSinceFirstSeen] = v.firstSeenAt === null ? 0 : Math.min((t - v.firstSeenAt) / DAY_MS, DAYS_SINCE_CAP);
  out[I.vehicleDaysSinceLastCrossing] =
    v.lastCrossingAt === null ? DAYS_SINCE_LAST_CROSSING_CAP : Math.min((t - v.lastCrossingAt) / DAY_MS, DAYS_SINCE_LAST_CROSSING_CAP);
  out[I.vehicleHoursSinceLastOutbound] =
    v.lastOutboundAt === null ? HOURS_SINCE_OUTBOUND_CAP : Math.min((t - v.lastOutboundAt) / HOUR_MS, HOURS_SINCE_OUTBOUND_CAP);
  out[I.vehiclePriorReferrals] = v.referrals;
  out[I.vehiclePriorSeizures] = v.seizures;

  let occupantReferrals = 0;
  let occupantSeizures = 0;
  let firstTime = 0;
  let trusted = 0;
  let driver = -1;
  for (let k = 0; k < input.occupants.length; k++) {
    const occupant = input.occupants[k]!;
    const traveler = history.travelers[k]!;
    occupantReferrals += traveler.referrals;
    occupantSeizures += traveler.seizures;
    if (traveler.firstSeenAt === null) firstTime++;
    if (occupant.trustedTraveler) trusted++;
    if (occupant.isDriver) driver = k;
  }
  if (driver < 0) throw new RangeError('a crossing needs exactly one driver');
  const driverHistory = history.travelers[driver]!;
  const occupants = input.occupants.length;

  out[I.occupantPriorReferrals] = occupantReferrals;
  out[I.occupantPriorSeizures] = occupantSeizures;
  out[I.driverCrossings7d] = driverHistory.crossings7d;
  out[I.driverCrossings30d] = driverHistory.crossings30d;
  out[I.driverDistinctVehicles30d] = driverHistory.distinctVehicles30d;
  out[I.driverNeverSeen] = driverHistory.firstSeenAt === null ? 1 : 0;
  out[I.firstTimeOccupants] = firstTime;

  // Local wall-clock time: the offset the console sent tells hour, weekday and year at the port.
  const local = new Date(t + input.utcOffsetMinutes * 60_000);
  const year = input.vehicle.year;
  out[I.vehicleAgeYears] = year === undefined ? 0 : clamp(local.getUTCFullYear() - year, 0, VEHICLE_AGE_CAP_YEARS);
  out[I.vehicleYearMissing] = year === undefined ? 1 : 0;
  const registered = input.vehicle.registeredOn;
  out[I.daysSinceRegistration] = registered === undefined ? DAYS_SINCE_CAP : clamp((t - registered) / DAY_MS, 0, DAYS_SINCE_CAP);
  out[I.registrationMissing] = registered === undefined ? 1 : 0;
  const ownership = input.vehicle.ownershipChangedOn;
  out[I.daysSinceOwnershipChange] = ownership === undefined ? DAYS_SINCE_CAP : clamp((t - ownership) / DAY_MS, 0, DAYS_SINCE_CAP);
  out[I.ownershipChangeMissing] = ownership === undefined ? 1 : 0;

  out[I.trustedTravelerShare] = trusted / occupants;
  out[I.occupantCount] = occupants;

  out[I.laneGeneral] = input.lane === 'general' ? 1 : 0;
  out[I.laneReady] = input.lane === 'ready' ? 1 : 0;
  out[I.laneSentri] = input.lane === 'sentri' ? 1 : 0;
  out[I.laneNexus] = input.lane === 'nexus' ? 1 : 0;

  const hour = local.getUTCHours() + local.getUTCMinutes() / 60;
  const weekday = local.getUTCDay();
  out[I.hourOfDaySin] = Math.sin((2 * Math.PI * hour) / 24);
  out[I.hourOfDayCos] = Math.cos((2 * Math.PI * hour) / 24);
  out[I.dayOfWeekSin] = Math.sin((2 * Math.PI * weekday) / 7);
  out[I.dayOfWeekCos] = Math.cos((2 * Math.PI * weekday) / 7);
  return out;
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
