import { resolve } from 'node:path';
import { columnIndex, CsvFormatError, readCsvFile, type CsvRecord } from '../lib/csv.ts';
import { createRandom } from '../lib/random.ts';
import { countDecision, createDecisionTally, type DecisionTally } from './decision-counts.ts';
import { FLAG_RULE, fairnessReport, UnknownReferenceGroupError, type FairnessTable, type GroupCounts } from './fairness.ts';
import { AUDIT_USAGE, AuditUsageError, parseAuditArguments, type AuditOptions, type PredictionSource } from './audit-arguments.ts';
import { formatAuditText } from './audit-format.ts';

/**
 * The fairness audit of a CSV file: one pass over the rows into decision counts per intersection of
 * the audit attributes (decision-counts.ts), then the same fairness report the service's
 * /v1/monitoring/fairness computes from its aggregates (fairness.ts).
 */

export interface AuditResult {
  readonly input: string;
  readonly rows: number;
  readonly labelled: number;
  readonly unlabelled: number;
  readonly referrals: number;
  readonly prediction: string;
  readonly label: string;
  readonly weight: string | null;
  readonly seed: number;
  readonly flagRule: string;
  readonly tables: readonly FairnessTable[];
}

/** A problem with the file's content, naming the line and column. */
export class AuditInputError extends Error {
  override name = 'AuditInputError';
}

const TRUE_WORDS = new Set(['1', 'true', 'yes']);
const FALSE_WORDS = new Set(['0', 'false', 'no']);

function parseBinary(text: string): 0 | 1 | null | undefined {
  const t = text.trim().toLowerCase();
  if (t === '') return null;
  if (TRUE_WORDS.has(t)) return 1;
  if (FALSE_WORDS.has(t)) return 0;
  return undefined;
}

function describePrediction(p: PredictionSource): string {
  switch (p.kind) {
    case 'score':
      return `${p.column} >= ${p.threshold}`;
    case 'prediction':
      if (p.values === undefined) return `${p.column} (1/true/yes = referral)`;
      return p.values.meaning === 'positive' ? `${p.column} in {${p.values.list.join(', ')}}` : `${p.column} not in {${p.values.list.join(', ')}}`;
  }
}

/** Reads the file and builds the report. Throws AuditUsageError (a bad column name) or AuditInputError (bad content). */
export async function auditFile(options: AuditOptions, records: AsyncIterable<CsvRecord> = readCsvFile(options.input)): Promise<AuditResult> {
  let header: string[] | undefined;
  let labelAt = -1;
  let predictionAt = -1;
  let weightAt = -1;
  let attributeAt: number[] = [];
  const tallies = new Map<string, { key: string[]; tally: DecisionTally }>();
  let rows = 0;
  let labelled = 0;
  let referrals = 0;
  const prediction = options.prediction;
  const listed = prediction.kind === 'prediction' && prediction.values !== undefined ? new Set(prediction.values.list) : undefined;

  const column = (flag: string, name: string, head: string[]): number => {
    try {
      return columnIndex(head, name, options.input);
    } catch (error) {
      if (error instanceof CsvFormatError) throw new AuditUsageError(`--${flag}: ${error.message}`);
      throw error;
    }
  };

  for await (const record of records) {
    if (header === undefined) {
      header = record.fields.map((f) => f.trim());
      labelAt = column('label', options.label, header);
      predictionAt = column(prediction.kind === 'score' ? 'score' : 'prediction', prediction.column, header);
      weightAt = options.weight === undefined ? -1 : column('weight', options.weight, header);
      attributeAt = options.attributes.map((a) => column('attributes', a, header as string[]));
      continue;
    }
    const { fields, line } = record;
    const field = (at: number): string => fields[at] ?? '';
    const bad = (flag: string, name: string, value: string, expected: string): AuditInputError =>
      new AuditInputError(`${options.input}: line ${line}: --${flag} column '${name}' has '${value}'; expected ${expected}`);

    const labelText = field(labelAt);
    const label = parseBinary(labelText);
    if (label === undefined) throw bad('label', options.label, labelText, '0 or 1 (true/false, yes/no), or empty when the outcome is unknown');

    let predictedPositive: boolean;
    const predictionText = field(predictionAt);
    if (prediction.kind === 'score') {
      const score = predictionText.trim() === '' ? Number.NaN : Number(predictionText);
      if (!Number.isFinite(score)) throw bad('score', prediction.column, predictionText, 'a number');
      predictedPositive = score >= prediction.threshold;
    } else if (listed !== undefined && prediction.values !== undefined) {
      const value = predictionText.trim();
      if (value === '') throw bad('prediction', prediction.column, predictionText, 'a value (it is empty)');
      predictedPositive = listed.has(value) === (prediction.values.meaning === 'positive');
    } else {
      const p = parseBinary(predictionText);
      if (p === undefined || p === null) {
        throw bad('prediction', prediction.column, predictionText, '0 or 1 (true/false, yes/no), or name the values with --prediction-positive/--prediction-negative');
      }
      predictedPositive = p === 1;
    }

    let weight = 1;
    if (weightAt !== -1 && label !== null) {
      const weightText = field(weightAt);
      weight = weightText.trim() === '' ? Number.NaN : Number(weightText);
      if (!(weight > 0 && Number.isFinite(weight))) throw bad('weight', options.weight ?? '', weightText, 'a number > 0');
    }

    const key = attributeAt.map((at) => field(at).trim());
    const id = key.join('\u0000');
    let entry = tallies.get(id);
    if (entry === undefined) {
      entry = { key, tally: createDecisionTally() };
      tallies.set(id, entry);
    }
    countDecision(entry.tally, { predictedPositive, label, weight });
    rows++;
    if (label !== null) labelled++;
    if (predictedPositive) referrals++;
  }
  if (header === undefined) throw new AuditInputError(`${options.input}: the file is empty (no header row)`);
  if (rows === 0) throw new AuditInputError(`${options.input}: the file has a header but no rows`);

  const groups: GroupCounts[] = [...tallies.values()].map(({ key, tally }) => ({ key, counts: tally }));
  let tables: FairnessTable[];
  try {
    tables = fairnessReport(groups, {
      attributes: options.attributes,
      references: options.references,
      band: options.band,
      minimumCount: options.minimumCount,
      confidence: options.confidence,
      replicates: options.replicates,
      random: createRandom(options.seed),
    });
  } catch (error) {
    if (error instanceof UnknownReferenceGroupError) throw new AuditUsageError(`--reference: ${error.message}`);
    throw error;
  }
  return {
    input: options.input,
    rows,
    labelled,
    unlabelled: rows - labelled,
    referrals,
    prediction: describePrediction(prediction),
    label: options.label,
    weight: options.weight ?? null,
    seed: options.seed,
    flagRule: FLAG_RULE,
    tables,
  };
}

export interface AuditIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Relative --input paths resolve against it; default the process's working directory. */
  readonly cwd?: string;
}

/**
 * The CLI as a function: parses argv, audits, prints; returns the exit code
 * (0 done, 2 bad arguments or columns, 1 bad file content or unreadable file).
 */
export async function runAudit(argv: readonly string[], io: AuditIo): Promise<number> {
  let options: AuditOptions;
  try {
    const parsed = parseAuditArguments(argv);
    if (parsed === 'help') {
      io.stdout(`${AUDIT_USAGE}\n`);
      return 0;
    }
    options = { ...parsed, input: resolve(io.cwd ?? process.cwd(), parsed.input) };
  } catch (error) {
    if (error instanceof AuditUsageError) {
      io.stderr(`audit: ${error.message}\n${AUDIT_USAGE}\n`);
      return 2;
    }
    throw error;
  }
  try {
    const result = await auditFile(options);
    io.stdout(options.json ? `${JSON.stringify(result, null, 2)}\n` : formatAuditText(result));
    return 0;
  } catch (error) {
    if (error instanceof AuditUsageError) {
      io.stderr(`audit: ${error.message}\n`);
      return 2;
    }
    if (error instanceof AuditInputError || error instanceof CsvFormatError) {
      io.stderr(`audit: ${error.message}\n`);
      return 1;
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
      io.stderr(`audit: --input: cannot read ${options.input} (${code})\n`);
      return 1;
    }
    throw error;
  }
}
