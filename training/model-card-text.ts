import type { ModelCard } from '../models/model-card.ts';

/**
 * The prose sections every card carries, whoever trained the model. What a given card adds
 * (its data source, its own caveats) is appended by the card builder.
 */

export const INTENDED_USE: ModelCard['intendedUse'] = {
  primaryUse:
    'Advisory decision support at the primary inspection lane of a land port of entry: the score estimates the probability ' +
    'that a secondary inspection of this crossing finds contraband, and the service turns it into a recommendation with ' +
    'reasons. The officer decides; the recommendation never refers or clears a vehicle by itself.',
  primaryUsers: [
    'Primary-lane officers (through the console, as a recommendation with reasons)',
    'Model owners (training, evaluation, deployment)',
    'Oversight staff (accuracy, fairness and drift monitoring)',
  ],
  outOfScope: [
    'Automated referral, detention or clearance without an officer decision',
    'Any decision about a person other than whether to look closer at this crossing (eligibility, enforcement, immigration status)',
    'Ports, crossing types or populations unlike the training data (outbound screening, pedestrians, commercial freight)',
    'Ranking or profiling individuals outside a crossing',
  ],
};

export const FACTORS: ModelCard['factors'] = {
  relevantFactors: [
    'Port of entry and lane (traffic mix and enforcement practice differ per port)',
    'Time of day and day of week',
    'Frequent crossers (commuters, trusted travelers) against first-time crossers',
    'Enforcement history: prior referrals and seizures are themselves products of earlier referral decisions',
  ],
  evaluationFactors: [
    'Driver sex',
    'Driver age band (from birth year at the crossing)',
    'Driver citizenship',
  ],
};

export const ETHICAL_CONSIDERATIONS: readonly string[] = [
  'Sex, birth year and citizenship are never model inputs: the feature extractor has no access to them. They are used only to measure error rates per group (Quantitative analyses) and in fairness monitoring.',
  'Features can still act as proxies for protected attributes (lane and trusted-traveler enrolment correlate with citizenship; crossing frequency with residence). Group metrics must be watched after deployment, not only at training time.',
  'Selective labels: outcomes exist only for inspected crossings. Prior referrals and seizures reflect earlier referral decisions and can entrench them (a feedback loop). Random referrals give unbiased estimates and inverse-propensity weights; keep their share above zero.',
  'A referral is a burden on the travelers concerned (delay, search). A false positive rate per group that differs markedly is a disparity to investigate, whatever the precision.',
  'Identifiers are stored only as keyed hashes; the training set holds no plate, VIN or document number.',
];

export const COMMON_CAVEATS: readonly string[] = [
  'The holdout is the latest period of the data (time-ordered split): performance on later periods can drift; see drift monitoring.',
  'Precision and recall at a referral rate are measured on the holdout population; per-port budgets change which crossings are referred.',
  'Rates for small audit groups are unstable; read them with their counts.',
];

export const SIMULATED_DATA_CAVEAT =
  'Trained and evaluated on simulated crossings (training/simulator): the figures describe the simulator, not any real port. ' +
  'Replace this model with one trained on recorded decisions and outcomes before relying on its scores.';

export const RECORDED_DATA_CAVEAT =
  'Trained on recorded decisions: labels exist only for inspected crossings. Rows from random referrals carry weight 1/selection probability; rows referred on the model\'s or officer\'s initiative carry weight 1 and are not representative of all traffic.';
