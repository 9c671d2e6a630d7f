// Formatting only: every number shown comes from the API as it is; these functions turn it into text.

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export const DASH = '–';

/** A share as a percentage: 0.0312 → "3.1 %"; small shares keep two significant digits. */
export function percent(value, digits) {
  if (value === null || value === undefined || Number.isNaN(value)) return DASH;
  const p = value * 100;
  const d = digits ?? (p !== 0 && Math.abs(p) < 1 ? 2 : 1);
  return `${p.toFixed(d)} %`;
}

/**
 * A share with the fewest decimals (up to two) that show it exactly, for axis ticks: 0.025 → "2.5 %",
 * 0.1 → "10 %" (whole percents would show the 2.5 % steps of an axis as "3 %" and "8 %"); other
 * values as percent() shows them.
 */
export function percentTick(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return DASH;
  const p = value * 100;
  for (const d of [0, 1, 2]) if (Math.abs(Number(p.toFixed(d)) - p) < 1e-9) return `${p.toFixed(d)} %`;
  return percent(value);
}

/** An interval of shares: "2.4 – 3.9 %". */
export function percentInterval(interval, digits) {
  if (!interval) return '';
  const p = (v) => percent(v, digits).replace(' %', '');
  return `${p(interval.lower)} – ${p(interval.upper)} %`;
}

export function count(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return DASH;
  return integer.format(value);
}

/** A ratio such as a disparity: 1.234 → "1.23". */
export function ratio(value, digits = 2) {
  if (value === null || value === undefined || Number.isNaN(value)) return DASH;
  return value.toFixed(digits);
}

export function ratioInterval(interval, digits = 2) {
  if (!interval) return '';
  return `${ratio(interval.lower, digits)} – ${ratio(interval.upper, digits)}`;
}

export function decimal(value, digits = 3) {
  if (value === null || value === undefined || Number.isNaN(value)) return DASH;
  return value.toFixed(digits);
}

/** "2025-03-01 14:00 UTC". */
export function dateTime(iso) {
  if (!iso) return DASH;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function date(iso) {
  if (!iso) return DASH;
  return String(iso).slice(0, 10);
}

/** A rate object of the API ({value, numerator, denominator, interval}) as "3.1 % (12 of 388)". */
export function rateText(rate) {
  if (!rate || rate.value === null) return `${DASH} (0 of ${rate ? count(rate.denominator) : 0})`;
  return `${percent(rate.value)} (${count(rate.numerator)} of ${count(rate.denominator)})`;
}
