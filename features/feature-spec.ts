import { createHash } from 'node:crypto';
import { DISTINCT_SCAN_LIMIT, WINDOW_24H_MS, WINDOW_30D_MS, WINDOW_365D_MS, WINDOW_7D_MS } from './history.ts';

/**
 * The feature spec: the ordered list of model inputs, each with its definition and the sentence
 * an officer reads when it is a reason for a recommendation. The order is the column order of
 * the model's `features` input. Any change to the list, a definition or a constant below changes
 * FEATURE_SPEC_HASH, and a model card that names another hash is refused at load.
 *
 * Every feature is a function of the crossing (features/feature-input.ts) and of its history
 * strictly before the crossing (features/history.ts). None reads an audit attribute, a raw
 * identifier or free text.
 */

export const FEATURE_SPEC_VERSION = 1;

/** Caps keep values in a range the model saw in training and make "never" a value. */
export const DAYS_SINCE_CAP = 3650;
export const DAYS_SINCE_LAST_CROSSING_CAP = 365;
export const HOURS_SINCE_OUTBOUND_CAP = 720;
export const VEHICLE_AGE_CAP_YEARS = 40;

export const FEATURE_NAMES = [
  'vehicleCrossings24h',
  'vehicleCrossings7d',
  'vehicleCrossings30d',
  'vehicleCrossings365d',
  'vehicleDistinctPorts30d',
  'vehicleDistinctDrivers30d',
  'vehicleNeverSeen',
  'vehicleDaysSinceFirstSeen',
  'vehicleDaysSinceLastCrossing',
  'vehicleHoursSinceLastOutbound',
  'vehiclePriorReferrals',
  'vehiclePriorSeizures',
  'occupantPriorReferrals',
  'occupantPriorSeizures',
  'driverCrossings7d',
  'driverCrossings30d',
  'driverDistinctVehicles30d',
  'driverNeverSeen',
  'firstTimeOccupants',
  'vehicleAgeYears',
  'vehicleYearMissing',
  'daysSinceRegistration',
  'registrationMissing',
  'daysSinceOwnershipChange',
  'ownershipChangeMissing',
  'trustedTravelerShare',
  'occupantCount',
  'laneGeneral',
  'laneReady',
  'laneSentri',
  'laneNexus',
  'hourOfDaySin',
  'hourOfDayCos',
  'dayOfWeekSin',
  'dayOfWeekCos',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];
export type FeatureValues = Readonly<Record<FeatureName, number>>;

export const FEATURE_COUNT = FEATURE_NAMES.length;

/** Column index of each feature in the vector. */
export const FEATURE_INDEX: Readonly<Record<FeatureName, number>> = Object.freeze(
  Object.fromEntries(FEATURE_NAMES.map((name, i) => [name, i])) as Record<FeatureName, number>,
);

/** What each feature is, precisely. These strings are part of the spec hash. */
export const FEATURE_DEFINITIONS: Readonly<Record<FeatureName, string>> = {
  vehicleCrossings24h: 'Crossings of this vehicle (plate and jurisdiction), either direction, in [t-24h, t).',
  vehicleCrossings7d: 'Crossings of this vehicle, either direction, in [t-7d, t).',
  vehicleCrossings30d: 'Crossings of this vehicle, either direction, in [t-30d, t).',
  vehicleCrossings365d: 'Crossings of this vehicle, either direction, in [t-365d, t).',
  vehicleDistinctPorts30d: `Distinct ports among the vehicle's latest ${DISTINCT_SCAN_LIMIT} crossings in [t-30d, t).`,
  vehicleDistinctDrivers30d: `Distinct drivers among the vehicle's latest ${DISTINCT_SCAN_LIMIT} crossings in [t-30d, t).`,
  vehicleNeverSeen: '1 when the vehicle has no crossing before t, else 0.',
  vehicleDaysSinceFirstSeen: `Days from the vehicle's first crossing to t, capped at ${DAYS_SINCE_CAP}; 0 when never seen.`,
  vehicleDaysSinceLastCrossing: `Days from the vehicle's latest crossing before t to t, capped at ${DAYS_SINCE_LAST_CROSSING_CAP}; the cap when never seen.`,
  vehicleHoursSinceLastOutbound: `Hours from the vehicle's latest outbound crossing before t to t, capped at ${HOURS_SINCE_OUTBOUND_CAP}; the cap when none.`,
  vehiclePriorReferrals: 'Referrals of this vehicle to secondary inspection recorded before t, net of corrections.',
  vehiclePriorSeizures: 'Seizures from this vehicle recorded before t, net of corrections.',
  occupantPriorReferrals: 'Sum over occupants of their referrals recorded before t, net of corrections.',
  occupantPriorSeizures: 'Sum over occupants of seizures involving them recorded before t, net of corrections.',
  driverCrossings7d: 'Crossings with the driver aboard, any role, in [t-7d, t).',
  driverCrossings30d: 'Crossings with the driver aboard, any role, in [t-30d, t).',
  driverDistinctVehicles30d: `Distinct vehicles among the driver's latest ${DISTINCT_SCAN_LIMIT} crossings in [t-30d, t).`,
  driverNeverSeen: '1 when the driver has no crossing before t, else 0.',
  firstTimeOccupants: 'Occupants, driver included, with no crossing before t.',
  vehicleAgeYears: `Local calendar year of t minus the model year, clamped to [0, ${VEHICLE_AGE_CAP_YEARS}]; 0 when not reported.`,
  vehicleYearMissing: '1 when the model year is not reported, else 0.',
  daysSinceRegistration: `Days from the registration date to t, clamped to [0, ${DAYS_SINCE_CAP}]; the cap when not reported.`,
  registrationMissing: '1 when the registration date is not reported, else 0.',
  daysSinceOwnershipChange: `Days from the last change of owner to t, clamped to [0, ${DAYS_SINCE_CAP}]; the cap when not reported.`,
  ownershipChangeMissing: '1 when the ownership-change date is not reported, else 0.',
  trustedTravelerShare: 'Share of occupants enrolled in a trusted traveler programme, in [0, 1].',
  occupantCount: 'Number of occupants, driver included.',
  laneGeneral: '1 when the crossing used a general lane, else 0.',
  laneReady: '1 when the crossing used a Ready lane, else 0.',
  laneSentri: '1 when the crossing used a SENTRI lane, else 0.',
  laneNexus: '1 when the crossing used a NEXUS lane, else 0.',
  hourOfDaySin: 'sin(2π h/24), h the local hour of t with minutes as a fraction.',
  hourOfDayCos: 'cos(2π h/24), h the local hour of t with minutes as a fraction.',
  dayOfWeekSin: 'sin(2π d/7), d the local weekday of t, Sunday = 0.',
  dayOfWeekCos: 'cos(2π d/7), d the local weekday of t, Sunday = 0.',
};

/**
 * Features that only mean something together (a value and its missing indicator, a one-hot
 * lane, a cyclic hour) form one reason group: the explainer occludes them together and the
 * officer reads one sentence for them.
 */
export interface ReasonGroup {
  readonly name: string;
  readonly features: readonly FeatureName[];
  /** The feature whose value is shown beside the sentence. */
  readonly primary: FeatureName;
  readonly sentence: (values: FeatureValues) => string;
  /**
   * How training picks the values this group is occluded with (training/occlusion-baseline.ts):
   * each feature's weighted median unless said here. Medians taken one feature at a time are no
   * crossing at all for a one-hot group (every lane flag 0) or a (sin, cos) pair (a point inside
   * the circle), so these take the most common category and the circular median of the position
   * in `steps` steps per turn.
   */
  readonly baseline?: { readonly kind: 'one-hot' } | { readonly kind: 'cyclic'; readonly steps: number };
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
const whole = (x: number): number => Math.round(x);

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

const single = (name: FeatureName, sentence: (v: number, all: FeatureValues) => string): ReasonGroup => ({
  name,
  features: [name],
  primary: name,
  sentence: (values) => sentence(values[name], values),
});

export const REASON_GROUPS: readonly ReasonGroup[] = [
  single('vehicleCrossings24h', (v) => `${plural(whole(v), 'crossing')} by this vehicle in the last 24 hours`),
  single('vehicleCrossings7d', (v) => `${plural(whole(v), 'crossing')} by this vehicle in the last 7 days`),
  single('vehicleCrossings30d', (v) => `${plural(whole(v), 'crossing')} by this vehicle in the last 30 days`),
  single('vehicleCrossings365d', (v) => `${plural(whole(v), 'crossing')} by this vehicle in the last 365 days`),
  single('vehicleDistinctPorts30d', (v) => `This vehicle crossed at ${plural(whole(v), 'port')} in the last 30 days`),
  single('vehicleDistinctDrivers30d', (v) => `${plural(whole(v), 'different driver')} drove this vehicle in the last 30 days`),
  {
    name: 'vehicleFirstSeen',
    features: ['vehicleNeverSeen', 'vehicleDaysSinceFirstSeen'],
    primary: 'vehicleDaysSinceFirstSeen',
    sentence: (v) =>
      v.vehicleNeverSeen === 1
        ? 'No earlier crossing of this vehicle on record'
        : `This vehicle was first seen crossing ${plural(whole(v.vehicleDaysSinceFirstSeen), 'day')} ago`,
  },
  single('vehicleDaysSinceLastCrossing', (v, all) =>
    all.vehicleNeverSeen === 1
      ? 'No earlier crossing of this vehicle on record'
      : v < 1
        ? `This vehicle last crossed ${plural(whole(v * 24), 'hour')} ago`
        : `This vehicle last crossed ${plural(whole(v), 'day')} ago`,
  ),
  single('vehicleHoursSinceLastOutbound', (v) =>
    v >= HOURS_SINCE_OUTBOUND_CAP
      ? 'No outbound crossing of this vehicle in the last 30 days'
      : `This vehicle left the country ${plural(whole(v), 'hour')} before this crossing`,
  ),
  single('vehiclePriorReferrals', (v) => `${plural(whole(v), 'earlier referral')} of this vehicle to secondary inspection`),
  single('vehiclePriorSeizures', (v) => `${plural(whole(v), 'earlier seizure')} from this vehicle`),
  single('occupantPriorReferrals', (v) => `${plural(whole(v), 'earlier referral')} of these occupants to secondary inspection`),
  single('occupantPriorSeizures', (v) => `${plural(whole(v), 'earlier seizure')} involving these occupants`),
  single('driverCrossings7d', (v) => `${plural(whole(v), 'crossing')} by this driver in the last 7 days`),
  single('driverCrossings30d', (v) => `${plural(whole(v), 'crossing')} by this driver in the last 30 days`),
  single('driverDistinctVehicles30d', (v) => `This driver crossed in ${plural(whole(v), 'different vehicle')} in the last 30 days`),
  single('driverNeverSeen', (v) => (v === 1 ? 'The driver has no earlier crossing on record' : 'The driver has crossed before')),
  single('firstTimeOccupants', (v) => `${plural(whole(v), 'occupant')} with no earlier crossing on record`),
  {
    name: 'vehicleAge',
    features: ['vehicleAgeYears', 'vehicleYearMissing'],
    primary: 'vehicleAgeYears',
    sentence: (v) =>
      v.vehicleYearMissing === 1 ? 'Vehicle model year not reported' : `The vehicle is ${plural(whole(v.vehicleAgeYears), 'year')} old`,
  },
  {
    name: 'registration',
    features: ['daysSinceRegistration', 'registrationMissing'],
    primary: 'daysSinceRegistration',
    sentence: (v) =>
      v.registrationMissing === 1
        ? 'Registration date not reported'
        : `The vehicle was registered ${plural(whole(v.daysSinceRegistration), 'day')} ago`,
  },
  {
    name: 'ownershipChange',
    features: ['daysSinceOwnershipChange', 'ownershipChangeMissing'],
    primary: 'daysSinceOwnershipChange',
    sentence: (v) =>
      v.ownershipChangeMissing === 1
        ? 'Ownership-change date not reported'
        : `The vehicle changed owner ${plural(whole(v.daysSinceOwnershipChange), 'day')} ago`,
  },
  single('trustedTravelerShare', (v) => `${whole(v * 100)}% of occupants are trusted travelers`),
  single('occupantCount', (v) => `${plural(whole(v), 'occupant')} in the vehicle`),
  {
    name: 'lane',
    features: ['laneGeneral', 'laneReady', 'laneSentri', 'laneNexus'],
    primary: 'laneGeneral',
    baseline: { kind: 'one-hot' },
    sentence: (v) => {
      const lane = v.laneReady === 1 ? 'Ready' : v.laneSentri === 1 ? 'SENTRI' : v.laneNexus === 1 ? 'NEXUS' : 'general';
      return `Crossing in the ${lane} lane`;
    },
  },
  {
    name: 'hourOfDay',
    features: ['hourOfDaySin', 'hourOfDayCos'],
    primary: 'hourOfDaySin',
    baseline: { kind: 'cyclic', steps: 24 * 60 },
    sentence: (v) => {
      const minutes = Math.round(cyclicPosition(v.hourOfDaySin, v.hourOfDayCos, 24 * 60)) % (24 * 60);
      return `Crossing at ${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')} local time`;
    },
  },
  {
    name: 'dayOfWeek',
    features: ['dayOfWeekSin', 'dayOfWeekCos'],
    primary: 'dayOfWeekSin',
    baseline: { kind: 'cyclic', steps: 7 },
    sentence: (v) => `Crossing on a ${WEEKDAYS[Math.round(cyclicPosition(v.dayOfWeekSin, v.dayOfWeekCos, 7)) % 7]}`,
  },
];

/** Inverse of (sin(2π x/period), cos(2π x/period)): x in [0, period). */
export function cyclicPosition(sin: number, cos: number, period: number): number {
  const turn = Math.atan2(sin, cos) / (2 * Math.PI);
  return ((turn % 1) + 1) % 1 * period;
}

/** A named view of a vector, for reasons and reports. */
export function featureValues(vector: ArrayLike<number>): FeatureValues {
  if (vector.length !== FEATURE_COUNT) {
    throw new RangeError(`feature vector has ${vector.length} values, the spec has ${FEATURE_COUNT}`);
  }
  const values = {} as Record<FeatureName, number>;
  FEATURE_NAMES.forEach((name, i) => {
    values[name] = vector[i] as number;
  });
  return values;
}

/** Everything a feature's meaning depends on; hashed into FEATURE_SPEC_HASH. */
export interface FeatureSpecIdentity {
  readonly version: number;
  readonly features: readonly (readonly [name: string, definition: string])[];
  readonly constants: Readonly<Record<string, number>>;
}

export const FEATURE_SPEC_IDENTITY: FeatureSpecIdentity = {
  version: FEATURE_SPEC_VERSION,
  features: FEATURE_NAMES.map((name) => [name, FEATURE_DEFINITIONS[name]] as const),
  constants: {
    WINDOW_24H_MS,
    WINDOW_7D_MS,
    WINDOW_30D_MS,
    WINDOW_365D_MS,
    DISTINCT_SCAN_LIMIT,
    DAYS_SINCE_CAP,
    DAYS_SINCE_LAST_CROSSING_CAP,
    HOURS_SINCE_OUTBOUND_CAP,
    VEHICLE_AGE_CAP_YEARS,
  },
};

/**
 * sha256 over the version, the ordered names with their definitions, and the constants the
 * definitions depend on. A model card names the hash it was trained on.
 */
export function featureSpecHash(identity: FeatureSpecIdentity): string {
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex');
}

export const FEATURE_SPEC_HASH: string = featureSpecHash(FEATURE_SPEC_IDENTITY);

/** What a reply and a model card say about the spec. */
export const FEATURE_SPEC_SUMMARY = Object.freeze({
  version: FEATURE_SPEC_VERSION,
  hash: FEATURE_SPEC_HASH,
  features: FEATURE_COUNT,
});
