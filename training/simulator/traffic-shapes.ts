import type { Random } from '../../lib/random.ts';

/**
 * When people cross: local time-of-day profiles (mixtures of normal distributions over the hour)
 * and weekday factors. The shapes follow the well-known pattern of the southern land ports
 * (CBP border wait times, SANDAG cross-border surveys): a northbound commute peak from 05:00 to
 * 08:00 and a southbound one after work, weekend leisure traffic, and the Sunday-evening return
 * peak. Every archetype, smugglers included, draws its times from these shapes.
 */
export interface HourComponent {
  readonly weight: number;
  readonly meanHour: number;
  readonly sdHours: number;
}

export type HourProfile = readonly HourComponent[];

export const MORNING_COMMUTE: HourProfile = [
  { weight: 0.75, meanHour: 6.3, sdHours: 0.8 },
  { weight: 0.25, meanHour: 8.3, sdHours: 1.0 },
];
export const LEISURE_DEPARTURE: HourProfile = [
  { weight: 0.6, meanHour: 10.5, sdHours: 1.8 },
  { weight: 0.4, meanHour: 14, sdHours: 2.2 },
];
export const FRIDAY_EVENING: HourProfile = [{ weight: 1, meanHour: 18.5, sdHours: 1.8 }];
export const SUNDAY_RETURN: HourProfile = [{ weight: 1, meanHour: 17.5, sdHours: 2.3 }];
export const BUSINESS_HOURS: HourProfile = [{ weight: 1, meanHour: 10.5, sdHours: 2.4 }];
export const AFTERNOON_PEAK: HourProfile = [{ weight: 1, meanHour: 16.5, sdHours: 1.4 }];

/**
 * Minutes after local midnight drawn from a profile, truncated to [earliest, latest] hours by
 * redrawing (clamping would pile crossings up at the bounds); after 8 misses, clamped.
 */
export function sampleMinutes(random: Random, profile: HourProfile, earliestHour = 0, latestHour = 23.9): number {
  let hour = NaN;
  for (let attempt = 0; attempt < 8; attempt++) {
    const component = pickComponent(random, profile);
    hour = component.meanHour + component.sdHours * random.normal();
    if (hour >= earliestHour && hour <= latestHour) return hour * 60;
  }
  return Math.min(Math.max(hour, earliestHour), latestHour) * 60;
}

function pickComponent(random: Random, profile: HourProfile): HourComponent {
  if (profile.length === 1) return profile[0]!;
  let u = random.next();
  for (const component of profile) {
    u -= component.weight;
    if (u < 0) return component;
  }
  return profile[profile.length - 1]!;
}

/** Minutes for a duration in hours from a normal distribution truncated below at `minHours` (redrawn, as above). */
export function durationMinutes(random: Random, meanHours: number, sdHours: number, minHours: number): number {
  for (let attempt = 0; attempt < 8; attempt++) {
    const hours = meanHours + sdHours * random.normal();
    if (hours >= minHours) return hours * 60;
  }
  return minHours * 60;
}

/** Probability of a commute on each weekday, Sunday first. */
export const COMMUTE_DAYS = [0.05, 0.88, 0.9, 0.9, 0.9, 0.85, 0.2] as const;
/** Expected trips of a fleet vehicle per weekday, Sunday first. */
export const FLEET_TRIPS = [0.05, 1.1, 1.1, 1.1, 1.1, 1.1, 0.3] as const;
/** Relative chance that an occasional trip starts on each weekday (weekends twice as likely). */
export const LEISURE_DAYS = [2, 0.8, 0.8, 0.8, 0.9, 1.3, 2] as const;
export const LEISURE_DAYS_MEAN = LEISURE_DAYS.reduce((a, b) => a + b, 0) / 7;
