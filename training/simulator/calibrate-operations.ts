/**
 * Measures what ACTIVE_RUNS_PER_OPERATION_DAY (operations.ts) should be: active (loadable)
 * inbound runs per operation per day, and the load probability the base-rate controller ends up
 * using. Run after changing the operations' habits:
 *
 *     npx tsx training/simulator/calibrate-operations.ts [vehicles=20000] [days=365] [seed=1]
 */
import { ACTIVE_RUNS_PER_OPERATION_DAY, NOMINAL_LOAD_PROBABILITY } from './operations.ts';
import { createSimulation } from './simulate.ts';

const [vehicles = 20_000, days = 365, seed = 1] = process.argv.slice(2).map(Number);
const simulation = createSimulation({ seed, vehicles, days });
let activeInbound = 0;
let loaded = 0;
let trialInbound = 0;
for (const { event, truth } of simulation.crossings) {
  if (event.direction !== 'inbound' || truth.operationRun === null) continue;
  if (truth.operationRun === 'trial') trialInbound++;
  else {
    activeInbound++;
    if (truth.contraband) loaded++;
  }
}
const operationDays = simulation.plan.operations * days;
console.log(`operations: ${simulation.plan.operations} over ${days} days`);
console.log(`active inbound runs per operation-day: ${(activeInbound / operationDays).toFixed(4)} (constant: ${ACTIVE_RUNS_PER_OPERATION_DAY})`);
console.log(`trial inbound runs per operation-day:  ${(trialInbound / operationDays).toFixed(4)}`);
console.log(`load probability of an active run:     ${(loaded / activeInbound).toFixed(3)} (nominal: ${NOMINAL_LOAD_PROBABILITY})`);
