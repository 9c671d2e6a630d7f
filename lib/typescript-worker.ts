import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread whose module is TypeScript. A loader given through execArgv
 * (`--import tsx`) is not active yet when Node 20 resolves a worker's entry file, so the worker
 * starts from a line of JavaScript that registers tsx first (a dependency of the project) and then
 * imports the module.
 */
export function startTypeScriptWorker(module: URL, workerData?: unknown): Worker {
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(module.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}
