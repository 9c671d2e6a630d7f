/**
 * npm run train -- --data FILE.csv --out models/VERSION [options]
 *
 * Trains the MLP and the logistic-regression baseline on a training-set CSV (npm run dataset),
 * exports the MLP with its normalisation and calibration to ONNX (checked against onnxruntime on
 * every holdout row), and writes models/VERSION/{model.onnx, card.json, card.md, golden.json}.
 */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { CALIBRATION_METHODS } from './calibration.ts';
import { checkModelVersion } from './build-card.ts';
import { CLASS_WEIGHTINGS } from './class-weights.ts';
import {
  choiceFlag,
  fractionFlag,
  integerFlag,
  layersFlag,
  numberFlag,
  parseCliArgs,
  requiredString,
  runCli,
  UsageError,
} from './cli-args.ts';
import { RECORDED_DATA_CAVEAT, SIMULATED_DATA_CAVEAT } from './model-card-text.ts';
import { INPUT_ENCODINGS } from './piecewise-linear.ts';
import { INPUT_CLIPPINGS, INPUT_TRANSFORMS } from './standardize.ts';
import { trainAndWriteModel, type TrainCommand } from './train-command.ts';
import { AUTO_MAX_PASSES_PER_EPOCH, AUTO_NEGATIVES_PER_EPOCH, DEFAULT_TRAINING_CONFIG as D } from './train-model.ts';

const USAGE = `usage: npm run train -- --data FILE.csv --out models/VERSION [options]

  --data FILE.csv              training set from npm run dataset
  --out DIR                    model folder to write (its name is the model version unless --version)
  --version V                  model version (letters, digits, . _ -)
  --name TEXT                  model name on the card (default "secondary-referral MLP")
  --layers 32,16               hidden layer sizes (default ${D.hiddenLayers.join(',')}; "none" for a logistic model)
  --ensemble K                 train K networks from different seeds and average them, exported as one (default ${D.ensembleSize})
  --epochs N                   most epochs (default ${D.maxEpochs}); early stopping usually ends sooner
  --patience N                 epochs without a better validation AUC-PR before stopping (default ${D.patience})
  --batch-size N               rows per step (default ${D.batchSize})
  --learning-rate X            Adam learning rate (default ${D.learningRate})
  --l2 X                       L2 penalty on weights (default ${D.l2})
  --weight-averaging X         per-step decay of the weight average that is validated and exported (default ${D.weightAveraging}; 0 off)
  --negative-sampling X        share of negative rows each epoch visits, fresh each epoch, or auto
                               (auto: an epoch visits ${AUTO_NEGATIVES_PER_EPOCH} negatives, a fresh share of them on a larger
                               training part, up to ${AUTO_MAX_PASSES_PER_EPOCH} passes over a smaller one; default ${D.negativeSampling})
  --seed N                     seed for initialisation and batch order (default ${D.seed})
  --class-weighting W          ${CLASS_WEIGHTINGS.join(' | ')} (default ${D.classWeighting})
  --calibration C              ${CALIBRATION_METHODS.join(' | ')} (default ${D.calibration}), fitted on the validation slice
  --input-clipping C           ${INPUT_CLIPPINGS.join(' | ')} (default ${D.inputClipping}): clip each raw feature to the
                               range it spans in the training part, in training and inside the ONNX graph
  --input-transform T          ${INPUT_TRANSFORMS.join(' | ')} (default ${D.inputTransform}): applied to raw features before
                               standardisation, in training and inside the ONNX graph
  --input-encoding E           ${INPUT_ENCODINGS.join(' | ')} (default ${D.inputEncoding}): encode each standardised feature by
                               its training-quantile bins before the network, in training and inside the ONNX graph
  --encoding-bins N            quantile bins per feature of the piecewise-linear encoding (default ${D.encodingBins})
  --holdout-fraction X         latest share of rows held out for evaluation (default ${D.holdoutFraction})
  --validation-fraction X      share of rows before the holdout for early stopping and calibration (default ${D.validationFraction})
  --holdout-from DATE          holdout = rows at or after DATE (instead of --holdout-fraction)
  --validation-from DATE       validation = rows from DATE to the holdout (instead of --validation-fraction)
  --target-referral-rate X     referral rate the card's threshold meets on the holdout (default ${D.targetReferralRate});
                               tied scores are never split, so it may refer less: the summary says how much
  --allow-no-referrals         write the model even if its threshold refers no holdout crossing (the top tied
                               scores alone exceed the target); refused without it
  --simulated                  the data comes from the simulator (the card says so)
  --owner NAME                 model owner on the card (repeatable)
  --force                      replace an existing model folder`;

async function main(): Promise<void> {
  const { values } = parseCliArgs(process.argv.slice(2), {
    data: { type: 'string' },
    out: { type: 'string' },
    version: { type: 'string' },
    name: { type: 'string' },
    layers: { type: 'string' },
    epochs: { type: 'string' },
    ensemble: { type: 'string' },
    patience: { type: 'string' },
    'batch-size': { type: 'string' },
    'learning-rate': { type: 'string' },
    l2: { type: 'string' },
    seed: { type: 'string' },
    'weight-averaging': { type: 'string' },
    'negative-sampling': { type: 'string' },
    'class-weighting': { type: 'string' },
    calibration: { type: 'string' },
    'input-clipping': { type: 'string' },
    'input-transform': { type: 'string' },
    'input-encoding': { type: 'string' },
    'encoding-bins': { type: 'string' },
    'holdout-fraction': { type: 'string' },
    'validation-fraction': { type: 'string' },
    'holdout-from': { type: 'string' },
    'validation-from': { type: 'string' },
    'target-referral-rate': { type: 'string' },
    'allow-no-referrals': { type: 'boolean' },
    simulated: { type: 'boolean' },
    owner: { type: 'string', multiple: true },
    force: { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const data = requiredString('data', values.data);
  const out = requiredString('out', values.out);
  if (!existsSync(data)) throw new UsageError(`--data ${data} does not exist`);
  if (existsSync(out) && !values.force) throw new UsageError(`--out ${out} exists: choose a new version folder or pass --force to replace it`);
  let version: string;
  try {
    version = checkModelVersion(values.version ?? basename(resolve(out)));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const command: TrainCommand = {
    data,
    out,
    version,
    name: values.name ?? 'secondary-referral MLP',
    owners: values.owner ?? [],
    caveats: [values.simulated ? SIMULATED_DATA_CAVEAT : RECORDED_DATA_CAVEAT],
    overwrite: values.force ?? false,
    allowNoReferrals: values['allow-no-referrals'] ?? false,
    config: {
      hiddenLayers: layersFlag(values.layers, D.hiddenLayers),
      maxEpochs: integerFlag('epochs', values.epochs, D.maxEpochs),
      ensembleSize: integerFlag('ensemble', values.ensemble, D.ensembleSize),
      patience: integerFlag('patience', values.patience, D.patience),
      batchSize: integerFlag('batch-size', values['batch-size'], D.batchSize),
      learningRate: numberFlag('learning-rate', values['learning-rate'], D.learningRate, (x) => x > 0, 'it must be above 0'),
      l2: numberFlag('l2', values.l2, D.l2, (x) => x >= 0, 'it must be 0 or more'),
      seed: integerFlag('seed', values.seed, D.seed, 0),
      negativeSampling:
        values['negative-sampling'] === undefined || values['negative-sampling'] === 'auto'
          ? (values['negative-sampling'] ?? D.negativeSampling)
          : numberFlag('negative-sampling', values['negative-sampling'], 1, (x) => x > 0 && x <= 1, "it must be in (0, 1] or 'auto'"),
      weightAveraging: numberFlag('weight-averaging', values['weight-averaging'], D.weightAveraging, (x) => x >= 0 && x < 1, 'it must be in [0, 1)'),
      classWeighting: choiceFlag('class-weighting', values['class-weighting'], CLASS_WEIGHTINGS, D.classWeighting),
      calibration: choiceFlag('calibration', values.calibration, CALIBRATION_METHODS, D.calibration),
      holdoutFraction: fractionFlag('holdout-fraction', values['holdout-fraction'], D.holdoutFraction),
      validationFraction: fractionFlag('validation-fraction', values['validation-fraction'], D.validationFraction),
      holdoutFrom: values['holdout-from'],
      validationFrom: values['validation-from'],
      targetReferralRate: fractionFlag('target-referral-rate', values['target-referral-rate'], D.targetReferralRate),
      baselineL2: D.baselineL2,
      inputClipping: choiceFlag('input-clipping', values['input-clipping'], INPUT_CLIPPINGS, D.inputClipping),
      inputTransform: choiceFlag('input-transform', values['input-transform'], INPUT_TRANSFORMS, D.inputTransform),
      inputEncoding: choiceFlag('input-encoding', values['input-encoding'], INPUT_ENCODINGS, D.inputEncoding),
      encodingBins: integerFlag('encoding-bins', values['encoding-bins'], D.encodingBins, 1),
    },
  };
  const result = await trainAndWriteModel(command, (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`${result.summary}\n`);
}

runCli(main, USAGE);
