/**
 * npm run train:default [-- --out DIR]
 *
 * Rebuilds the shipped default model (models/default/) from nothing but a fixed seed: simulate,
 * export the training set through the same path as `npm run dataset -- --sim`, train, export with
 * the parity check, write model.onnx, card.json, card.md and golden.json. The service loads the
 * result out of the box; test/training/default-model.test.ts re-scores its golden rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCliArgs, runCli } from './cli-args.ts';
import { exportDataset } from './dataset.ts';
import { SIMULATED_DATA_CAVEAT } from './model-card-text.ts';
import { createSimulationWriter } from './simulator/event-writer.ts';
import { createSimulation } from './simulator/simulate.ts';
import { parseTimeRange } from './time-range.ts';
import { trainAndWriteModel } from './train-command.ts';
import { DEFAULT_TRAINING_CONFIG } from './train-model.ts';

/**
 * The default model's simulation: 20,000 legitimate vehicles (plus the smuggling operations the
 * simulator adds) over 120 days at the simulator's default base rate (0.2 % of inbound crossings
 * carry contraband). About 1.1 million crossings, 540,000 inbound rows and 1,100 positives: enough
 * positives in each of the three time-ordered parts for the network to learn from and for the
 * holdout precision at 1 % to mean something, and a run of a few minutes on two cores.
 */
const DEFAULT_SIMULATION = { seed: 20_250_101, vehicles: 20_000, days: 120, start: '2025-01-01' } as const;

const USAGE = `usage: npm run train:default [-- --out DIR]

  --out DIR    where to write the model (default models/default)`;

async function main(): Promise<void> {
  const { values } = parseCliArgs(process.argv.slice(2), { out: { type: 'string' }, help: { type: 'boolean' } });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const out = values.out ?? 'models/default';
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  const work = mkdtempSync(join(tmpdir(), 'train-default-'));
  try {
    const s = DEFAULT_SIMULATION;
    log(`simulating ${s.vehicles} vehicles over ${s.days} days from ${s.start} (seed ${s.seed})`);
    const simulation = createSimulation(s);
    const writer = createSimulationWriter(join(work, 'sim'), simulation.plan);
    for (const crossing of simulation.crossings) writer.write(crossing);
    const counts = writer.close();
    log(`${counts.crossings.toLocaleString('en-US')} crossings, ${counts.inbound.toLocaleString('en-US')} inbound, ${counts.contrabandInbound} carrying contraband`);

    const data = join(work, 'train.csv');
    const stats = await exportDataset({ source: { kind: 'sim', dir: join(work, 'sim') }, range: parseTimeRange(undefined, undefined), out: data, workDir: work, log });
    log(`training set: ${stats.rows.toLocaleString('en-US')} rows, ${stats.positives} positive`);

    const result = await trainAndWriteModel(
      {
        data,
        out,
        version: 'default',
        name: 'secondary-referral default model (simulated data)',
        owners: [],
        caveats: [SIMULATED_DATA_CAVEAT],
        overwrite: true,
        config: DEFAULT_TRAINING_CONFIG,
        dataSource:
          `simulator (training/simulator), seed ${s.seed}, ${s.vehicles} vehicles, ${s.days} days from ${s.start}, default base rate; ` +
          'features point in time through a history store (npm run dataset -- --sim); rebuilt by npm run train:default',
      },
      log,
    );
    process.stdout.write(`${result.summary}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

runCli(main, USAGE);
