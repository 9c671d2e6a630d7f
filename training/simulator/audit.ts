import { SEX_VALUES, type AuditAttributes } from '../../features/crossing-event.schema.ts';
import type { Random } from '../../lib/random.ts';

/**
 * Audit attributes (sex, birth year, citizenship): who the travelers are, for fairness
 * monitoring only. They are drawn from one population-wide distribution, independently of port,
 * archetype, behaviour and contraband, for smugglers exactly as for everyone else. So, by
 * default, no group is ever a cause of anything in the simulation, and any disparity a fairness
 * check finds in a model trained on it comes from the model, not from the data.
 *
 * `--inject-bias ATTRIBUTE=VALUE[:STRENGTH]` breaks that on purpose, to test the fairness checks:
 * every traveler a smuggling operation recruits (its drivers and its cover passengers) first gets
 * attributes drawn exactly as above; then, with probability STRENGTH (default 0.5), ATTRIBUTE is
 * overwritten with VALUE. The group's share among operation travelers becomes
 * STRENGTH + (1 - STRENGTH) x (its population share); nothing about legitimate travelers changes
 * (their attributes come from a separate random stream), nor does any operation's behaviour
 * other than through the documents that follow from citizenship.
 */
export const CITIZENSHIP_SHARES: readonly (readonly [string, number])[] = [
  ['USA', 0.52],
  ['MEX', 0.36],
  ['CAN', 0.08],
  ['GTM', 0.01],
  ['IND', 0.01],
  ['PHL', 0.01],
  ['CHN', 0.005],
  ['DEU', 0.005],
];

export const SEX_SHARES: readonly (readonly [(typeof SEX_VALUES)[number], number])[] = [
  ['female', 0.485],
  ['male', 0.495],
  ['x', 0.005],
  ['unknown', 0.015],
];

/** Share of travelers whose record carries no audit object at all. */
export const AUDIT_MISSING_SHARE = 0.02;

export const BIASABLE_ATTRIBUTES = ['sex', 'citizenship'] as const;
export type BiasableAttribute = (typeof BIASABLE_ATTRIBUTES)[number];

export interface BiasInjection {
  readonly attribute: BiasableAttribute;
  readonly value: string;
  /** Probability in (0, 1] that an operation's recruit is forced into the group. */
  readonly strength: number;
}

export const DEFAULT_BIAS_STRENGTH = 0.5;

export interface DrawnAudit {
  /** Always drawn: the document a traveler holds follows from it, even when the audit object is missing. */
  readonly citizenship: string;
  /** What the event carries; undefined for the AUDIT_MISSING_SHARE of travelers without one. */
  readonly audit: AuditAttributes | undefined;
}

/**
 * Attributes for a traveler born `age` years before `referenceYear`. Drivers are adults; the age
 * distributions depend only on the role, never on archetype or operation.
 */
export function drawAudit(random: Random, role: 'driver' | 'passenger', referenceYear: number): DrawnAudit {
  const citizenship = pick(random, CITIZENSHIP_SHARES);
  const sex = pick(random, SEX_SHARES);
  const age = role === 'driver' ? 18 + Math.floor(random.next() * random.next() * 65 + random.next() * 10) : Math.floor(random.next() * 80);
  const missing = random.next() < AUDIT_MISSING_SHARE;
  return { citizenship, audit: missing ? undefined : { sex, birthYear: referenceYear - age, citizenship } };
}

/** Applies the injection to an operation's recruit; `u` is uniform in [0, 1), drawn whether or not bias is injected. */
export function injectBias(drawn: DrawnAudit, injection: BiasInjection | null, u: number): DrawnAudit {
  if (injection === null || u >= injection.strength) return drawn;
  if (injection.attribute === 'citizenship') {
    return {
      citizenship: injection.value,
      audit: drawn.audit === undefined ? undefined : { ...drawn.audit, citizenship: injection.value },
    };
  }
  return {
    citizenship: drawn.citizenship,
    audit: drawn.audit === undefined ? undefined : { ...drawn.audit, sex: injection.value as (typeof SEX_VALUES)[number] },
  };
}

/**
 * Parses `ATTRIBUTE=VALUE[:STRENGTH]` (`citizenship=MEX`, `sex=male:0.8`). Returns the injection
 * or a message saying what is wrong with it.
 */
export function parseBiasInjection(text: string): BiasInjection | string {
  const match = /^([a-zA-Z]+)=([^:]+)(?::(.+))?$/.exec(text);
  if (!match) return `expected ATTRIBUTE=VALUE[:STRENGTH], e.g. citizenship=MEX or sex=male:0.8, got '${text}'`;
  const [, attribute, value, strengthText] = match as unknown as [string, string, string, string | undefined];
  const strength = strengthText === undefined ? DEFAULT_BIAS_STRENGTH : Number(strengthText);
  if (!Number.isFinite(strength) || strength <= 0 || strength > 1) {
    return `strength must be a number in (0, 1], got '${strengthText}'`;
  }
  switch (attribute) {
    case 'citizenship':
      if (!/^[A-Z]{3}$/.test(value)) return `citizenship must be an ISO 3166-1 alpha-3 code such as MEX, got '${value}'`;
      return { attribute, value, strength };
    case 'sex':
      if (!(SEX_VALUES as readonly string[]).includes(value)) return `sex must be one of ${SEX_VALUES.join(', ')}, got '${value}'`;
      return { attribute, value, strength };
    default:
      return `attribute must be one of ${BIASABLE_ATTRIBUTES.join(', ')}, got '${attribute}'`;
  }
}

function pick<T>(random: Random, shares: readonly (readonly [T, number])[]): T {
  let u = random.next();
  for (const [value, share] of shares) {
    u -= share;
    if (u < 0) return value;
  }
  return shares[shares.length - 1]![0];
}
