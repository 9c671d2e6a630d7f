/**
 * npm run model:check -- FILE.onnx --data FILE.csv [--out DIR] [options]
 *
 * Checks an ONNX model against the model contract, scores a training-set CSV with it and, with
 * --out, writes a registry folder (model.onnx, card.json, card.md, golden.json) the service loads.
 */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { ModelContractError } from '../models/model-contract.ts';
import { checkModelVersion } from './build-card.ts';
import { fractionFlag, parseCliArgs, requiredString, runCli, UsageError } from './cli-args.ts';
import { loadLabelledTable } from './load-dataset.ts';
import { checkExternalModel, writeCheckedModel } from './model-check.ts';
import { describeDecision, referralShortfallWarning } from './referral-shortfall.ts';
import { comparisonTable } from './train-command.ts';

const USAGE = `usage: npm run model:check -- FILE.onnx --data FILE.csv [--out DIR] [options]

  FILE.onnx                    the model: input 'features' float32 [N, 35]; output a probability [N], [N, 1]
                               or 'probabilities' [N, 2] (TreeEnsembleClassifier, converters without ZipMap)
  --data FILE.csv              rows to score and evaluate (npm run dataset), e.g. a later period than training
  --out DIR                    write a model folder (model.onnx, card.json, card.md, golden.json)
  --version V                  model version (default: the --out folder's name, else the file's)
  --name TEXT                  model name on the card
  --feature-spec-hash HASH     the spec the model was trained on, when its ONNX metadata has no feature_spec_hash
  --card FILE                  a card naming featureSpec.hash and onnx.outputName
  --output NAME                the probability output, when the model has several
  --target-referral-rate X     referral rate the card's threshold meets on the data (default 0.01); tied scores
                               are never split, so it may refer less: the output says how much
  --allow-no-referrals         with --out, write the folder even if the threshold refers no row of --data (the
                               top tied scores alone exceed the target); refused without it
  --owner NAME                 model owner on the card (repeatable)
  --force                      replace an existing --out folder`;

async function main(): Promise<void> {
  const { values, positionals } = parseCliArgs(
    process.argv.slice(2),
    {
      data: { type: 'string' },
      out: { type: 'string' },
      version: { type: 'string' },
      name: { type: 'string' },
      'feature-spec-hash': { type: 'string' },
      card: { type: 'string' },
      output: { type: 'string' },
      'target-referral-rate': { type: 'string' },
      'allow-no-referrals': { type: 'boolean' },
      owner: { type: 'string', multiple: true },
      force: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    true,
  );
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (positionals.length !== 1) throw new UsageError(`give exactly one ONNX file (got ${positionals.length})`);
  const onnxPath = positionals[0]!;
  const data = requiredString('data', values.data);
  if (!existsSync(onnxPath)) throw new UsageError(`${onnxPath} does not exist`);
  if (!existsSync(data)) throw new UsageError(`--data ${data} does not exist`);
  if (values.out !== undefined && existsSync(values.out) && !values.force) {
    throw new UsageError(`--out ${values.out} exists: choose a new version folder or pass --force to replace it`);
  }
  let version: string;
  try {
    version = checkModelVersion(values.version ?? basename(resolve(values.out ?? onnxPath)).replace(/\.onnx$/, ''));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const table = await loadLabelledTable(data);
  let result;
  try {
    result = await checkExternalModel({
      onnxPath,
      table,
      dataPath: data,
      version,
      name: values.name ?? `external model ${version}`,
      cardPath: values.card,
      featureSpecHash: values['feature-spec-hash'],
      outputName: values.output,
      targetReferralRate: fractionFlag('target-referral-rate', values['target-referral-rate'], 0.01),
      createdAt: new Date().toISOString(),
      owners: values.owner ?? [],
    });
  } catch (error) {
    if (error instanceof ModelContractError) throw new Error(`model:check: ${onnxPath} refused: ${error.message}`);
    throw error;
  }
  const { card, contract } = result;
  const warning = referralShortfallWarning(result.decision, result.shortfallContext);
  const lines = [
    `${onnxPath}: meets the model contract (input '${contract.inputName}' [N, ${contract.width}], output '${contract.outputName}' as ${contract.outputForm}, feature spec ${card.featureSpec.hash.slice(0, 12)}…)`,
    `scored ${table.rows.toLocaleString('en-US')} rows of ${data}; ${describeDecision(result.decision, 'them')}`,
    ...(warning === undefined ? [] : [warning]),
    '',
    comparisonTable(card.metrics.holdout, undefined, ['metric on --data', 'model', '']),
  ];
  // The figures first, so a refusal to write comes after what it is about.
  process.stdout.write(`${lines.join('\n')}\n\n`);
  if (values.out === undefined) {
    process.stdout.write('no --out: nothing written\n');
    return;
  }
  writeCheckedModel(result, values.out, values.force ?? false, values['allow-no-referrals'] ?? false);
  process.stdout.write(`wrote ${values.out} (model.onnx, card.json, card.md, golden.json)\n`);
}

runCli(main, USAGE);
