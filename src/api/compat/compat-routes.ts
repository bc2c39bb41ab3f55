import type { Config } from '../../config/schema.js';
import type { Engine } from '../../engine/engine.js';
import type { TaskHandler } from '../../tasks/task-handler.js';
import { createRouter } from '../validation.js';
import { invalidJobHandler } from './invalid-job.js';
import { jobRunnerRoutes } from './job-runner.js';
import { PARALLEL_PAGE_HTML } from './parallel-page.js';
import { parallelQueueRoutes } from './parallel-queue.js';
import { pexecutorRoutes } from './pexecutor.js';

/**
 * The task types the seed APIs enqueue beside the built-ins (the job runner's InvalidJobPayload).
 * Every node that may claim such a task must run them, from its first claim on, so the wiring adds
 * them to the handlers it starts the engine with (createPgtask does); the routes never register
 * types into an engine themselves.
 */
export function compatHandlers(): TaskHandler[] {
  return [invalidJobHandler as TaskHandler];
}

/**
 * The seed systems' HTTP APIs, as thin adapters over the same engine: Pexecutor (POST /tasks,
 * GET /tasks/running|pending), the Elixir job runner (/api/jobs) and the parallel queue
 * (POST /schedule, GET /tasks, GET /). The parallel queue's WebSocket is attachCompatWebSocket. The engine must run
 * compatHandlers() for the job runner's invalid-payload jobs.
 */
export function compatRoutes(options: { engine: Engine; config: Config; servePage?: boolean }) {
  const { engine, config } = options;
  const router = createRouter();
  router.route('/', pexecutorRoutes({ engine, config }));
  router.route('/', jobRunnerRoutes({ engine, config }));
  router.route('/', parallelQueueRoutes({ engine, config }));
  // Mounted after the rest of the app, so a dashboard route for GET / (when there is one) wins.
  if (options.servePage ?? true) router.get('/', (c) => c.html(PARALLEL_PAGE_HTML));
  return router;
}
