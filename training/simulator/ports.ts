import type { Lane } from '../../features/crossing-event.schema.ts';

/**
 * The simulated land ports of entry: real CBP port codes and names, their time zones, and the
 * plate jurisdictions of the vehicles that use them.
 *
 * Time: every timestamp carries the port's UTC offset at that instant under the current US rules
 * (Energy Policy Act of 2005, in force since 2007): daylight saving time from the second Sunday in
 * March at 02:00 local standard time to the first Sunday in November at 02:00 local daylight time.
 * Nogales (Arizona) keeps Mountain Standard Time all year. Canada's rules are the same as the US's
 * and the border municipalities of Mexico follow US dates, so one rule serves both sides.
 */
export type Region = 'south' | 'north';

export interface Port {
  readonly code: string;
  readonly name: string;
  readonly region: Region;
  /** Minutes east of UTC in winter: -480 is Pacific Standard Time. */
  readonly standardOffsetMinutes: number;
  readonly observesDst: boolean;
  /** Relative share of the simulated vehicles based here (rough order of CBP's published POV volumes). */
  readonly trafficWeight: number;
  /** Plate jurisdictions of vehicles registered on the US side and on the other side. */
  readonly usJurisdictions: readonly string[];
  readonly foreignJurisdictions: readonly string[];
  /** The trusted-traveler lane at this port. */
  readonly trustedLane: Extract<Lane, 'sentri' | 'nexus'>;
}

const PACIFIC = -480;
const MOUNTAIN = -420;
const CENTRAL = -360;
const EASTERN = -300;

export const PORTS: readonly Port[] = [
  port('2504', 'San Ysidro', 'south', PACIFIC, true, 24, ['CA'], ['MX-BCN'], 'sentri'),
  port('2506', 'Otay Mesa', 'south', PACIFIC, true, 10, ['CA'], ['MX-BCN'], 'sentri'),
  port('2503', 'Calexico', 'south', PACIFIC, true, 8, ['CA'], ['MX-BCN'], 'sentri'),
  port('2604', 'Nogales', 'south', MOUNTAIN, false, 7, ['AZ'], ['MX-SON'], 'sentri'),
  port('2402', 'El Paso', 'south', MOUNTAIN, true, 12, ['TX', 'NM'], ['MX-CHH'], 'sentri'),
  port('2304', 'Laredo', 'south', CENTRAL, true, 10, ['TX'], ['MX-TAM', 'MX-NLE'], 'sentri'),
  port('2305', 'Hidalgo', 'south', CENTRAL, true, 8, ['TX'], ['MX-TAM'], 'sentri'),
  port('0901', 'Buffalo-Niagara Falls', 'north', EASTERN, true, 7, ['NY'], ['CA-ON'], 'nexus'),
  port('3801', 'Detroit', 'north', EASTERN, true, 8, ['MI'], ['CA-ON'], 'nexus'),
  port('3004', 'Blaine', 'north', PACIFIC, true, 6, ['WA'], ['CA-BC'], 'nexus'),
];

function port(
  code: string,
  name: string,
  region: Region,
  standardOffsetMinutes: number,
  observesDst: boolean,
  trafficWeight: number,
  usJurisdictions: readonly string[],
  foreignJurisdictions: readonly string[],
  trustedLane: Port['trustedLane'],
): Port {
  return Object.freeze({ code, name, region, standardOffsetMinutes, observesDst, trafficWeight, usJurisdictions, foreignJurisdictions, trustedLane });
}

/** Ports of the same region and state (same first two digits of the code): where a traveler crosses when the usual port is busy. */
export function nearbyPorts(home: Port): readonly Port[] {
  return PORTS.filter((p) => p !== home && p.code.slice(0, 2) === home.code.slice(0, 2));
}

export const TIME_ZONE_RULE =
  'US daylight saving rules (second Sunday of March 02:00 to first Sunday of November 02:00 local); Nogales (2604) on MST all year';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** [start, end) of daylight saving time in UTC epoch ms, per (year, standard offset). */
const dstCache = new Map<number, readonly [number, number]>();

function dstInterval(year: number, standardOffsetMinutes: number): readonly [number, number] {
  const cacheKey = year * 10_000 + standardOffsetMinutes;
  let interval = dstCache.get(cacheKey);
  if (interval === undefined) {
    const secondSundayOfMarch = nthSunday(year, 2, 2);
    const firstSundayOfNovember = nthSunday(year, 10, 1);
    const start = Date.UTC(year, 2, secondSundayOfMarch, 2) - standardOffsetMinutes * MINUTE_MS;
    const end = Date.UTC(year, 10, firstSundayOfNovember, 2) - (standardOffsetMinutes + 60) * MINUTE_MS;
    interval = [start, end];
    dstCache.set(cacheKey, interval);
  }
  return interval;
}

/** Day of the month of the n-th Sunday of a month (month 0-based). */
function nthSunday(year: number, month: number, n: number): number {
  const firstWeekday = new Date(Date.UTC(year, month, 1)).getUTCDay();
  return 1 + ((7 - firstWeekday) % 7) + (n - 1) * 7;
}

/** The latest year looked up per standard offset: crossings come in time order, so nearly every lookup hits it. */
const lastYear = new Map<number, { from: number; to: number; dstStart: number; dstEnd: number }>();

/** The port's offset from UTC, in minutes, at an instant. */
export function utcOffsetMinutesAt(port: Port, at: number): number {
  const standard = port.standardOffsetMinutes;
  if (!port.observesDst) return standard;
  let year = lastYear.get(standard);
  if (year === undefined || at < year.from || at >= year.to) {
    const y = new Date(at).getUTCFullYear();
    const [dstStart, dstEnd] = dstInterval(y, standard);
    year = { from: Date.UTC(y, 0, 1), to: Date.UTC(y + 1, 0, 1), dstStart, dstEnd };
    lastYear.set(standard, year);
  }
  return at >= year.dstStart && at < year.dstEnd ? standard + 60 : standard;
}

/**
 * The instant of a local wall-clock time at the port: `localDate` is the local calendar date as
 * days since 1970-01-01, `minutes` the minutes after local midnight (may exceed a day). A time in
 * the spring-forward gap (02:00-02:59, which no clock shows that night) comes out an hour later, as
 * a clock would show it: 02:30 becomes 03:30 daylight time (Temporal's "compatible"
 * disambiguation). In the fall-back hour, which clocks show twice, it is the second (standard) one.
 */
export function localTimeToInstant(port: Port, localDate: number, minutes: number): number {
  const wallClock = localDate * DAY_MS + Math.round(minutes * 60) * 1000;
  const standard = wallClock - port.standardOffsetMinutes * MINUTE_MS;
  if (utcOffsetMinutesAt(port, standard) === port.standardOffsetMinutes) return standard;
  const daylight = standard - HOUR_MS;
  // In the gap, the daylight reading lies before the change, where the clock still ran on standard time.
  return utcOffsetMinutesAt(port, daylight) === port.standardOffsetMinutes ? standard : daylight;
}

/** ISO 8601 with the port's offset at that instant, to the second: `2025-03-01T07:15:00-08:00`. */
export function formatTimestamp(port: Port, at: number): string {
  const offset = utcOffsetMinutesAt(port, at);
  const local = at + offset * MINUTE_MS;
  const date = Math.floor(local / DAY_MS);
  const seconds = Math.floor((local - date * DAY_MS) / 1000);
  return (
    datePrefix(date) +
    TWO_DIGITS[Math.floor(seconds / 3600)]! +
    ':' +
    TWO_DIGITS[Math.floor(seconds / 60) % 60]! +
    ':' +
    TWO_DIGITS[seconds % 60]! +
    formatOffset(offset)
  );
}

const TWO_DIGITS: readonly string[] = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

let lastPrefixDate = NaN;
let lastPrefix = '';

/** `YYYY-MM-DDT` for a date (days since the epoch); the last one is kept, as consecutive crossings share it. */
function datePrefix(date: number): string {
  if (date !== lastPrefixDate) {
    lastPrefix = `${formatDate(date)}T`;
    lastPrefixDate = date;
  }
  return lastPrefix;
}

const offsetStrings = new Map<number, string>();

function formatOffset(minutes: number): string {
  let text = offsetStrings.get(minutes);
  if (text === undefined) {
    const sign = minutes < 0 ? '-' : '+';
    const abs = Math.abs(minutes);
    text = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
    offsetStrings.set(minutes, text);
  }
  return text;
}

/** Local calendar date (days since epoch) and weekday (Sunday = 0) at the port for an instant. */
export function localDateOf(port: Port, at: number): number {
  return Math.floor((at + utcOffsetMinutesAt(port, at) * MINUTE_MS) / DAY_MS);
}

/** Weekday of a date given as days since 1970-01-01 (a Thursday), Sunday = 0. */
export function weekdayOf(date: number): number {
  return (((date + 4) % 7) + 7) % 7;
}

/** `YYYY-MM-DD` of a date given as days since the epoch. */
export function formatDate(date: number): string {
  return new Date(date * DAY_MS).toISOString().slice(0, 10);
}

/** Days since the epoch of a `YYYY-MM-DD` date, or undefined when it is not a real calendar date. */
export function parseDate(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const ms = Date.parse(`${text}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text) return undefined;
  return ms / DAY_MS;
}
