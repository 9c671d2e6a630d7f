/**
 * npm run simulate -- --seed N --vehicles N --days N --out DIR [--start YYYY-MM-DD]
 *                     [--base-rate 0.002] [--inject-bias ATTRIBUTE=VALUE[:STRENGTH]]
 *
 * Writes DIR/crossings.ndjson, truth.ndjson, inspections.ndjson and manifest.json (see
 * training/simulator/event-writer.ts). Progress goes to stderr, the summary to stdout.
 */
import { FLAG_OF, parseSimulateArguments, SIMULATE_USAGE } from './simulator/cli-arguments.ts';
import { createSimulationWriter } from './simulator/event-writer.ts';
import { SimulationOptionError } from './simulator/options.ts';
import { createSimulation, type Simulation } from './simulator/simulate.ts';

const PROGRESS_EVERY = 1_000_000;

function main(argv: readonly string[]): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${SIMULATE_USAGE}\n`);
    return 0;
  }
  const parsed = parseSimulateArguments(argv);
  if ('error' in parsed) {
    process.stderr.write(`simulate: ${parsed.error}\n`);
    return 2;
  }
  let simulation: Simulation;
  try {
    simulation = createSimulation(parsed.options);
  } catch (error) {
    if (error instanceof SimulationOptionError) {
      process.stderr.write(`simulate: ${FLAG_OF[error.option]}: ${error.message.slice(error.option.length + 2)}\n`);
      return 2;
    }
    throw error;
  }
  const { plan } = simulation;
  process.stderr.write(
    `simulating ${plan.options.vehicles} vehicles and ${plan.operations} smuggling operations over ${plan.options.days} days from ${plan.options.start} (seed ${plan.options.seed})\n`,
  );
  const writer = createSimulationWriter(parsed.out, plan);
  const started = performance.now();
  let n = 0;
  for (const crossing of simulation.crossings) {
    writer.write(crossing);
    if (++n % PROGRESS_EVERY === 0) {
      const seconds = (performance.now() - started) / 1000;
      process.stderr.write(`  ${n.toLocaleString('en-US')} crossings, ${crossing.event.timestamp.slice(0, 10)}, ${Math.round(n / seconds).toLocaleString('en-US')}/s\n`);
    }
  }
  const counts = writer.close();
  const seconds = (performance.now() - started) / 1000;
  const percent = (x: number): string => `${(x * 100).toFixed(3)}%`;
  process.stdout.write(
    [
      `wrote ${counts.crossings.toLocaleString('en-US')} crossings to ${parsed.out} in ${seconds.toFixed(1)} s (${Math.round(counts.crossings / seconds).toLocaleString('en-US')} crossings/s)`,
      `inbound ${counts.inbound.toLocaleString('en-US')}, carrying contraband ${counts.contrabandInbound.toLocaleString('en-US')}: realised base rate ${percent(counts.realisedBaseRate)} (target ${percent(plan.options.baseRate)})`,
      `historical inspections: ${counts.inspections.random} random, ${counts.inspections.targeted} targeted (${percent(counts.inspections.inspectedShare)} of inbound), ${counts.inspections.seizures} seizures (${percent(counts.inspections.contrabandInspectedShare)} of loads)`,
      `${counts.vehicles.toLocaleString('en-US')} vehicles crossed, ${counts.operationsSeen} smuggling operations seen`,
    ].join('\n') + '\n',
  );
  const target = plan.options.baseRate;
  if (target > 0 && Math.abs(counts.realisedBaseRate - target) > 0.2 * target) {
    process.stderr.write(
      `simulate: warning: the realised base rate ${percent(counts.realisedBaseRate)} is more than 20% from the target; too few vehicles or days for the operations to reach it\n`,
    );
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
