import { describe, expect, it } from 'vitest';
import { decisionAtReferralRate } from '../../training/evaluate.ts';
import { NoReferralsError, referralShortfallWarning, refuseNoReferrals, type ShortfallContext } from '../../training/referral-shortfall.ts';

/**
 * Warnings and the refusal when the card's threshold refers less than the target rate: silent
 * within 10 % of the target (rounding to whole rows), a warning beyond, a refusal to write when
 * it refers nothing unless the caller allows it.
 */

const CONTEXT: ShortfallContext = { rowsName: 'holdout crossings', advice: 'Try --calibration platt.' };
const ones = (n: number): number[] => new Array<number>(n).fill(1);

/** n rows with distinct scores n, n−1, … 1 (labels alternate). */
function distinct(n: number) {
  return { labels: Array.from({ length: n }, (_, i) => i % 2), weights: ones(n), scores: Array.from({ length: n }, (_, i) => n - i) };
}

describe('referral shortfall', () => {
  it('is silent when the shortfall is rounding to whole rows', () => {
    // 1 % of 1,250 rows is 12.5: 12 rows, 0.96 %, 4 % short of the target.
    const decision = decisionAtReferralRate(distinct(1250), 0.01);
    expect(decision).toMatchObject({ referredRows: 12, achievedReferralRate: 0.0096 });
    expect(referralShortfallWarning(decision, CONTEXT)).toBeUndefined();
  });

  it('warns when a tie holds the rate well below the target, naming the tie', () => {
    // Scores 10, 9, then eight rows tied at 1: at 50 % (5 rows) only 2 are referred, 20 %.
    const decision = decisionAtReferralRate({ labels: [1, 0, 1, 0, 0, 0, 0, 0, 0, 0], weights: ones(10), scores: [10, 9, 1, 1, 1, 1, 1, 1, 1, 1] }, 0.5);
    expect(referralShortfallWarning(decision, CONTEXT)).toBe(
      'warning: the threshold 9.00000 refers 20 % of holdout crossings (2 of 10), short of the 50 % target: ' +
        'the 8 rows at the next score 1.00000 hold 80 % of them, and a tie is never split. ' +
        'Expect the service to refer about 20 % at this threshold. Try --calibration platt.',
    );
  });

  it('warns when nothing is referred, and refuses to write unless allowed', () => {
    // Three of four rows tied at the top score 0.5: no rate below 75 % can refer them.
    const decision = decisionAtReferralRate({ labels: [1, 0, 1, 0], weights: ones(4), scores: [0.5, 0.5, 0.5, 0.2] }, 0.25);
    const warning =
      'the threshold refers none of the 4 holdout crossings (target 25 %): the 3 rows at the top score 0.500000 hold 75 % of them ' +
      'and a tie is never split, so the threshold lies just above that score. At this threshold the model would recommend no crossing for referral; ' +
      'the card reports no precision or recall at rates it cannot meet. Try --calibration platt.';
    expect(referralShortfallWarning(decision, CONTEXT)).toBe(`warning: ${warning}`);
    expect(() => refuseNoReferrals(decision, CONTEXT, false)).toThrow(NoReferralsError);
    expect(() => refuseNoReferrals(decision, CONTEXT, false)).toThrow(`refused: ${warning} Nothing was written; pass --allow-no-referrals to write it anyway.`);
    expect(() => refuseNoReferrals(decision, CONTEXT, true)).not.toThrow();
    // A threshold that refers something is never refused, however short.
    expect(() => refuseNoReferrals(decisionAtReferralRate({ labels: [1, 0, 1, 0], weights: ones(4), scores: [0.9, 0.5, 0.5, 0.5] }, 0.5), CONTEXT, false)).not.toThrow();
  });
});
