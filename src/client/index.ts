/**
 * pgtask/client: the typed HTTP client of a pgtask service and `runWorker`, a remote worker
 * over the HTTP worker protocol. Everything a user imports from this entry is listed here.
 */
export { PermanentError } from '../tasks/task-handler.js';
export { type ClientOptions, createClient, type PgtaskClient } from './http-client.js';
export type { components, operations, paths } from './openapi-types.js';
export { type RunningWorker, type RunWorkerOptions, runWorker } from './run-worker.js';
export {
  type LeasedTask,
  LeaseLostError,
  type WorkerContext,
  type WorkerEvent,
  type WorkerHandler,
  WorkerRejectedError,
} from './worker-types.js';
