import { DEFAULT_BAND, DEFAULT_MINIMUM_COUNT, type DisparityBand } from './fairness.ts';
import { DEFAULT_CONFIDENCE } from './intervals.ts';
import { DEFAULT_FAIRNESS_REPLICATES } from './fairness.ts';

/** The audit CLI's command line, parsed and checked; every refusal names the flag. */

export const AUDIT_USAGE = `usage: npm run audit -- --input FILE.csv --label COL
         (--score COL --threshold X | --prediction COL [--prediction-positive V[,V]] [--prediction-negative V[,V]])
         --attributes COL[,COL] [--reference COL=VALUE[,COL=VALUE]] [--weight COL]
         [--band LOWER,UPPER] [--min-count N] [--confidence C] [--replicates N] [--seed N] [--json]

  --input FILE         CSV with a header row (RFC 4180), e.g. a decision export or a training set
  --label COL          outcome column: 1/0, true/false or yes/no; empty = outcome unknown
  --score COL          model score column; a row is a referral when score >= --threshold
  --prediction COL     referral column: 1/0, true/false or yes/no by default; or name the values
                       meaning referral (--prediction-positive) or release (--prediction-negative,
                       every other value then means referral)
  --attributes COLS    audit attribute(s); with several, each alone and their intersection
  --reference COL=VAL  reference group of an attribute (default: its largest group); repeatable
  --weight COL         inverse-propensity weight of labelled rows (default 1)
  --band L,U           disparity band (default ${DEFAULT_BAND.lower},${DEFAULT_BAND.upper})
  --min-count N        smallest denominator judged (default ${DEFAULT_MINIMUM_COUNT})
  --confidence C       interval level (default ${DEFAULT_CONFIDENCE})
  --replicates N       bootstrap replicates (default ${DEFAULT_FAIRNESS_REPLICATES}, as the monitoring API); --seed N (default 1)
  --json               print JSON instead of tables`;

export class AuditUsageError extends Error {
  override name = 'AuditUsageError';
}

export type PredictionSource =
  | { readonly kind: 'score'; readonly column: string; readonly threshold: number }
  | {
      readonly kind: 'prediction';
      readonly column: string;
      /** Values meaning referral; or, with `negative`, values meaning release. Absent: 1/0, true/false, yes/no. */
      readonly values?: { readonly meaning: 'positive' | 'negative'; readonly list: readonly string[] };
    };

export interface AuditOptions {
  readonly input: string;
  readonly label: string;
  readonly prediction: PredictionSource;
  readonly attributes: readonly string[];
  readonly references: Readonly<Record<string, string>>;
  readonly weight?: string;
  readonly band: DisparityBand;
  readonly minimumCount: number;
  readonly confidence: number;
  readonly replicates: number;
  readonly seed: number;
  readonly json: boolean;
}

const VALUE_FLAGS = [
  'input',
  'label',
  'score',
  'threshold',
  'prediction',
  'prediction-positive',
  'prediction-negative',
  'attributes',
  'reference',
  'weight',
  'band',
  'min-count',
  'confidence',
  'replicates',
  'seed',
] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];

const isValueFlag = (name: string): name is ValueFlag => (VALUE_FLAGS as readonly string[]).includes(name);

function number(flag: string, text: string, check: (n: number) => boolean, expected: string): number {
  const n = text.trim() === '' ? Number.NaN : Number(text);
  if (!check(n)) throw new AuditUsageError(`--${flag} must be ${expected}, got '${text}'`);
  return n;
}

function list(flag: string, text: string): string[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new AuditUsageError(`--${flag} has an empty item in '${text}'`);
  return items;
}

/** Parses argv (without node and the script). Throws AuditUsageError naming the flag. */
export function parseAuditArguments(argv: readonly string[]): AuditOptions | 'help' {
  const values = new Map<ValueFlag, string[]>();
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') return 'help';
    if (!arg.startsWith('--')) throw new AuditUsageError(`unexpected argument '${arg}' (flags start with --)`);
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (name === 'json') {
      if (eq !== -1) throw new AuditUsageError('--json takes no value');
      json = true;
      continue;
    }
    if (!isValueFlag(name)) throw new AuditUsageError(`unknown flag --${name}`);
    let value: string;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new AuditUsageError(`--${name} needs a value`);
      value = next;
      i++;
    }
    const seen = values.get(name);
    if (seen !== undefined && name !== 'reference') throw new AuditUsageError(`--${name} is given twice`);
    values.set(name, [...(seen ?? []), value]);
  }
  const one = (flag: ValueFlag): string | undefined => values.get(flag)?.[0];
  const required = (flag: ValueFlag): string => {
    const v = one(flag);
    if (v === undefined || v.trim() === '') throw new AuditUsageError(`--${flag} is required`);
    return v;
  };

  const input = required('input');
  const label = required('label');
  const attributes = list('attributes', required('attributes'));
  const duplicate = attributes.find((a, i) => attributes.indexOf(a) !== i);
  if (duplicate !== undefined) throw new AuditUsageError(`--attributes names '${duplicate}' twice`);

  const score = one('score');
  const threshold = one('threshold');
  const predictionColumn = one('prediction');
  const positive = one('prediction-positive');
  const negative = one('prediction-negative');
  let prediction: PredictionSource;
  if (score !== undefined && predictionColumn !== undefined) throw new AuditUsageError('give either --score with --threshold, or --prediction, not both');
  if (score !== undefined) {
    if (threshold === undefined) throw new AuditUsageError('--score needs --threshold (a row is a referral when score >= threshold)');
    if (positive !== undefined || negative !== undefined) throw new AuditUsageError('--prediction-positive/--prediction-negative go with --prediction, not --score');
    prediction = { kind: 'score', column: score, threshold: number('threshold', threshold, Number.isFinite, 'a number') };
  } else if (predictionColumn !== undefined) {
    if (threshold !== undefined) throw new AuditUsageError('--threshold goes with --score, not --prediction');
    if (positive !== undefined && negative !== undefined) throw new AuditUsageError('give --prediction-positive or --prediction-negative, not both');
    const values =
      positive !== undefined
        ? { meaning: 'positive' as const, list: list('prediction-positive', positive) }
        : negative !== undefined
          ? { meaning: 'negative' as const, list: list('prediction-negative', negative) }
          : undefined;
    prediction = { kind: 'prediction', column: predictionColumn, ...(values === undefined ? {} : { values }) };
  } else {
    throw new AuditUsageError('give --score COL with --threshold X, or --prediction COL');
  }

  const references: Record<string, string> = {};
  for (const text of values.get('reference') ?? []) {
    const parts = text.split(',');
    const pieces = parts.every((p) => p.includes('=')) ? parts : [text];
    for (const piece of pieces) {
      const at = piece.indexOf('=');
      if (at <= 0) throw new AuditUsageError(`--reference must be COL=VALUE, got '${piece}'`);
      const column = piece.slice(0, at).trim();
      if (!attributes.includes(column)) throw new AuditUsageError(`--reference names '${column}', which is not in --attributes (${attributes.join(', ')})`);
      if (references[column] !== undefined) throw new AuditUsageError(`--reference gives '${column}' twice`);
      references[column] = piece.slice(at + 1);
    }
  }

  const bandText = one('band');
  let band = DEFAULT_BAND;
  if (bandText !== undefined) {
    const [lower, upper, extra] = list('band', bandText);
    if (lower === undefined || upper === undefined || extra !== undefined) throw new AuditUsageError(`--band must be LOWER,UPPER, got '${bandText}'`);
    band = {
      lower: number('band', lower, (n) => n > 0 && n <= 1, 'LOWER,UPPER with 0 < LOWER <= 1'),
      upper: number('band', upper, (n) => n >= 1 && Number.isFinite(n), 'LOWER,UPPER with UPPER >= 1'),
    };
  }
  const integer = (flag: ValueFlag, fallback: number, minimum: number): number => {
    const text = one(flag);
    return text === undefined ? fallback : number(flag, text, (n) => Number.isInteger(n) && n >= minimum, `an integer >= ${minimum}`);
  };
  const confidenceText = one('confidence');
  return {
    input,
    label,
    prediction,
    attributes,
    references,
    ...(one('weight') === undefined ? {} : { weight: required('weight') }),
    band,
    minimumCount: integer('min-count', DEFAULT_MINIMUM_COUNT, 0),
    confidence:
      confidenceText === undefined ? DEFAULT_CONFIDENCE : number('confidence', confidenceText, (n) => n > 0 && n < 1, 'a number between 0 and 1 (e.g. 0.95)'),
    replicates: integer('replicates', DEFAULT_FAIRNESS_REPLICATES, 1),
    seed: integer('seed', 1, 0),
    json,
  };
}
