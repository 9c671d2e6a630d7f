import type { ReferralDecision } from './evaluate.ts';

/**
 * When the card's threshold refers less than the target rate. Ties are never split (the service
 * refers every row at or above the threshold), so a model with few distinct scores (isotonic
 * calibration's flat steps, a small tree ensemble) can fall short of the target, and when the
 * top score alone is shared by more than the target's worth of rows, the threshold refers nothing.
 *
 * A shortfall within SHORTFALL_TOLERANCE of the target is rounding to whole rows (1 % of 1,250
 * rows is 12 rows, 0.96 %) and passes silently; a larger one is a warning; nothing referred
 * refuses to write a model folder unless the caller allows it (see `refuseNoReferrals`).
 */

/**
 * Relative shortfall shown without a warning. Rounding to whole rows falls short by less than one
 * row, under 10 % of the target whenever the target is 10 rows or more; a larger gap comes from a
 * tie (or a very small evaluation set) and changes how many crossings the service will refer.
 */
export const SHORTFALL_TOLERANCE = 0.1;

export class NoReferralsError extends Error {
  override name = 'NoReferralsError';
}

/** Where the rows came from and what to try, for the messages. */
export interface ShortfallContext {
  /** e.g. "holdout crossings", "rows of data.csv". */
  readonly rowsName: string;
  /** What the user can change, e.g. "try --calibration platt or a larger --target-referral-rate". */
  readonly advice: string;
}

/** A warning when the threshold refers noticeably less than the target (or nothing); undefined otherwise. */
export function referralShortfallWarning(decision: ReferralDecision, context: ShortfallContext): string | undefined {
  const { achievedReferralRate: achieved, targetReferralRate: target } = decision;
  if (achieved > 0 && achieved >= target * (1 - SHORTFALL_TOLERANCE)) return undefined;
  const next = decision.nextScore;
  const count = (n: number): string => `${n.toLocaleString('en-US')} ${n === 1 ? 'row' : 'rows'}`;
  if (achieved === 0) {
    const top =
      next === undefined
        ? ''
        : `: the ${count(next.rows)} at the top score ${next.score.toPrecision(6)} hold ${percent(next.share)} of them and a tie is never split, ` +
          'so the threshold lies just above that score';
    return (
      `warning: the threshold refers none of the ${decision.rows.toLocaleString('en-US')} ${context.rowsName} (target ${percent(target)})${top}. ` +
      'At this threshold the model would recommend no crossing for referral; ' +
      `the card reports no precision or recall at rates it cannot meet. ${context.advice}`.trim()
    );
  }
  const tie =
    next === undefined
      ? ''
      : `: the ${count(next.rows)} at the next score ${next.score.toPrecision(6)} hold ${percent(next.share)} of them, and a tie is never split`;
  return (
    `warning: the threshold ${decision.threshold.toPrecision(6)} refers ${percent(achieved)} of ${context.rowsName} ` +
    `(${decision.referredRows.toLocaleString('en-US')} of ${decision.rows.toLocaleString('en-US')}), short of the ${percent(target)} target${tie}. ` +
    `Expect the service to refer about ${percent(achieved)} at this threshold. ${context.advice}`.trim()
  );
}

/**
 * Refuses a decision that refers nothing, unless `allowed`. A folder under models/ is something
 * the service can load and promote; with this threshold it would recommend no crossing at all
 * (only random selections would reach secondary), and nothing at a port would say why. The
 * remedy (Platt calibration, a larger target, more rows) means retraining anyway, so the refused
 * model is rarely worth keeping; the flag remains for an owner who means to run it under port
 * budgets only (they set their own thresholds from live scores).
 */
export function refuseNoReferrals(decision: ReferralDecision, context: ShortfallContext, allowed: boolean, flag = '--allow-no-referrals'): void {
  if (allowed || decision.achievedReferralRate > 0) return;
  const warning = referralShortfallWarning(decision, context)!.replace(/^warning: /, '');
  throw new NoReferralsError(`refused: ${warning} Nothing was written; pass ${flag} to write it anyway.`);
}

/** "threshold 0.0734102 refers 0.98 % of holdout crossings (196 of 20,000; target 1 %)": what it achieves, then the target. */
export function describeDecision(decision: ReferralDecision, rowsName: string): string {
  const count = (n: number): string => n.toLocaleString('en-US');
  // A threshold that refers nothing lies a hair above the top score: six digits would show that score.
  const threshold = decision.referredRows === 0 ? 'just above the top score' : decision.threshold.toPrecision(6);
  return (
    `threshold ${threshold} refers ${percent(decision.achievedReferralRate)} of ${rowsName} ` +
    `(${count(decision.referredRows)} of ${count(decision.rows)}; target ${percent(decision.targetReferralRate)})`
  );
}

/** The card's `decision` section for it. */
export function cardDecision(decision: ReferralDecision): { threshold: number; targetReferralRate: number; achievedReferralRate: number } {
  return { threshold: decision.threshold, targetReferralRate: decision.targetReferralRate, achievedReferralRate: decision.achievedReferralRate };
}

function percent(share: number): string {
  return `${Number((share * 100).toFixed(3))} %`;
}
