// Generated from the served /openapi.json by `npm run client:generate`; do not edit by hand.
// test/client/client-types.test.ts fails when this file and the document drift apart.
export interface paths {
    "/api/jobs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Jobs of every job queue, newest first */
        get: operations["jobRunnerListJobs"];
        put?: never;
        /**
         * Create a job in a named queue; it runs the queue's handler type
         * @description An unknown `queue_id` is a 400. A payload the queue's type rejects is still accepted (201): the job ends `dead` with the error `invalid_payload`, as the seed's perform/1 does.
         */
        post: operations["jobRunnerCreateJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/jobs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One job */
        get: operations["jobRunnerGetJob"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The operator audit log: who retried, cancelled, paused or changed what, newest first
         * @description One entry per operator action, written in the same transaction as the action. Needs an admin token (when auth is on): the log names tokens and client addresses. Pass `next` as `after` for older entries.
         */
        get: operations["listAuditLog"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/dead-letter": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Dead tasks (attempts spent or a permanent error), newest first, keyset-paginated */
        get: operations["listDeadLetters"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/dead-letter/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Queue dead tasks again, by ids or by a queue/type filter (or "all": true) */
        post: operations["retryDeadLetters"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Task lifecycle events of every instance, batched, as server-sent events
         * @description Server-sent events, cluster-wide (every instance on the same database).
         *
         *     Frames:
         *     - `event: hello` once, `data: {"nodeId", "windowMs", "history": [{"t": epochSecond, "counts": {queue: {kind: n}}}]}`:
         *       the last 10 minutes of events per second, for a throughput chart.
         *     - `event: tasks`, at most one per window, `data: {"from", "to", "nodes": [nodeId], "counts": {queue: {kind: n}},
         *       "events": [{kind, taskId, queue, type, priority, attempt, at, nodeId, error?, durationMs?, waitMs?, key?,
         *       progress?, progressMessage?}], "omitted": n}`.
         *       `counts` covers every event of the window; `events` is capped, the rest are counted in `omitted`.
         *       Kinds: enqueued, started, succeeded, failed, retrying, dead, cancelled, retried, snoozed (the handler threw
         *       Snooze: waiting again, no attempt spent; `error` says "snoozed 30s") and progress (`progress` 0-1 and
         *       `progressMessage` from ctx.progress, at most one per task per second), and released (a workflow child left
         *       blocked for queued: its parents succeeded). A child released or cancelled by its parents is changed by the
         *       database's dependency trigger: those events (released, cancelled with `error` "parent <id> dead") carry
         *       `nodeId` "database".
         *     - `event: heartbeat`, `data: {"at"}`, every 15 s.
         *
         *     `?queue=name` keeps one queue's events. With bearer auth on, send the Authorization header
         *     (browsers: read the stream with fetch; EventSource cannot send headers).
         */
        get: operations["streamEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The process is up */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics: tasks by queue/type/outcome, queue depth, run and wait times, pool use */
        get: operations["getMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/queues": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every queue: counts by status, concurrency, paused flag, age of the oldest waiting task */
        get: operations["listQueues"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/queues/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Set a queue's rate limit and cap per concurrency key at run time (every instance, kept across restarts)
         * @description A field given replaces the value from config.yaml on every instance and survives restarts; `null` turns the limit off; a field left out keeps its current value. Recorded in the audit log (`queue.limits`).
         */
        patch: operations["setQueueLimits"];
        trace?: never;
    };
    "/queues/{name}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Pause a queue: waiting tasks stay waiting, running ones finish */
        post: operations["pauseQueue"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/queues/{name}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Resume a paused queue */
        post: operations["resumeQueue"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/queues/{name}/tasks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Tasks of a queue, newest first, keyset-paginated
         * @description `payload` is a JSON object matched by containment (`payload @> filter`): `{"reportType":"Financial Report"}` finds every task whose payload has that field with that value. Pass the answer's `next` as `after` for the next page.
         */
        get: operations["listQueueTasks"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The database answers and its migrations are applied */
        get: operations["getReadiness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/schedule": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Schedule Sleep tasks: `{"<id>": durationMs, …}`
         * @description Each entry becomes a `Sleep` task in the `parallel` queue keyed by its id; an id already scheduled or running is skipped and listed in `duplicates`.
         */
        post: operations["parallelQueueSchedule"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/schedules": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every schedule by name, with its next runs, last run and pause state */
        get: operations["listSchedules"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/schedules/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One schedule */
        get: operations["getSchedule"];
        /**
         * Create or replace a schedule
         * @description The whole definition: a field left out takes its default (`paused` false, `timezone` UTC). The expression (5 fields, or 6 with seconds first) and zone are parsed by croner and the task is checked like an enqueue item; any problem is a 400 naming the field. The next tick is counted from now. Each tick makes exactly one task however many instances run. A schedule listed in config.yaml can be changed here, but the next start applies config again.
         */
        put: operations["putSchedule"];
        post?: never;
        /** Delete a schedule (tasks it already made are kept) */
        delete: operations["deleteSchedule"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/schedules/{name}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Pause a schedule: no ticks fire until it is resumed */
        post: operations["pauseSchedule"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/schedules/{name}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Resume a schedule: the next tick is counted from now (ticks missed while paused do not fire) */
        post: operations["resumeSchedule"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/task-types": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Registered task types with their payload's JSON Schema (the same schema enqueue validates with) */
        get: operations["listTaskTypes"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/task/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A task with its history and, while it waits, why it is not running yet */
        get: operations["getTask"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/task/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancel a waiting task, or abort a running one */
        post: operations["cancelTask"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/task/{id}/complete": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * The task succeeded: store its result
         * @description A stale or wrong token answers 409 `lease_lost` and changes neither the task nor its history.
         */
        post: operations["completeTask"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/task/{id}/fail": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * The attempt failed: retry after the backoff (or `retryIn`), or dead
         * @description Dead when `retryable` is false or the attempts are spent. A stale or wrong token answers 409 `lease_lost` and changes nothing.
         */
        post: operations["failTask"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/task/{id}/heartbeat": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Extend a task's lease by `lease.timeout`, optionally reporting progress
         * @description 409 `lease_lost` once the lease expired, the task was rescued or cancelled: stop working on it.
         */
        post: operations["heartbeatTask"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/task/{id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Run a dead or cancelled task again, with a fresh attempt budget */
        post: operations["retryTask"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Active tasks (running on any node) and scheduled tasks in run order */
        get: operations["parallelQueueListTasks"];
        put?: never;
        /**
         * Submit Sleep tasks named by `name`; a name already pending or running is a duplicate
         * @description Each item becomes a `Sleep` task (payload `{duration}`) in the `pexecutor` queue with the name as its dedupe key. Never blocks: the tasks are stored and the answer comes after COMMIT, however busy the workers.
         */
        post: operations["pexecutorSubmitTasks"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/enqueue": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Enqueue a batch of tasks
         * @description The batch is validated whole: one bad task rejects the batch with 400 listing every bad task by index and field, and nothing is stored. Tasks are stored in one INSERT; the answer comes after COMMIT. A task whose `key` matches a pending or running task of its queue is skipped and reported in `duplicateKeys`.
         */
        post: operations["enqueueTasks"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/pending": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Pexecutor tasks waiting to run, in the order they will run */
        get: operations["pexecutorPendingTasks"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/running": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Pexecutor tasks running now on any node, oldest start first */
        get: operations["pexecutorRunningTasks"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/workers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** HTTP workers heard from in the last 15 minutes, with the tasks each holds now */
        get: operations["listWorkers"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/workers/claim": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Claim tasks of external types, with a lease each (long poll with `wait`)
         * @description Answers as soon as a task is claimed, or with `{"tasks": []}` when `wait` ends. Priority, backoff, paused queues and the starvation rule apply as for the nodes' own workers. Each task runs (attempt + 1) under a lease of `lease.timeout`: heartbeat before `expiresAt`, or the task is rescued (worker lost).
         */
        post: operations["claimTasks"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        AuditEntry: {
            /**
             * @description task.retry, task.cancel, dead_letter.retry, queue.pause, queue.resume, and later kinds
             * @example task.retry
             */
            action: string;
            /**
             * @description The token's name, or `anonymous` when auth is off
             * @example ops
             */
            actor: string;
            /**
             * @description The client's address
             * @example 10.0.0.7
             */
            address: string | null;
            /** Format: date-time */
            at: string;
            details: {
                [key: string]: unknown;
            } | null;
            /** @description Increasing; pass the last one seen as `after` */
            id: number;
            /** @description The X-Request-Id of the request that did it */
            requestId: string | null;
            /** @description Task id or queue name; null when a filter chose */
            target: string | null;
            /** @example task */
            targetType: string;
            /** @description How many tasks it changed */
            taskCount: number;
            /** @description The tasks it changed (the first 100) */
            taskIds: string[];
        };
        AuditPage: {
            entries: components["schemas"]["AuditEntry"][];
            /** @description Pass as `after` for the next (older) page; absent on the last */
            next?: number;
        };
        ClaimRequest: {
            /**
             * @description Most tasks to claim
             * @default 1
             */
            max?: number;
            /** @description Only these queues (default: every queue of the given types) */
            queues?: string[];
            /**
             * @description External task types (tasks.external) this worker runs
             * @example [
             *       "ResizeImage"
             *     ]
             */
            types: string[];
            /**
             * @description Long poll: wait up to this long (at most 30s) for a task; Go-style duration or ms. Default 0: answer at once
             * @example 10s
             */
            wait?: string;
            /**
             * @description Who claims: shown in GET /workers, the history and the metrics
             * @example py-worker-1
             */
            worker: string;
        };
        ClaimResponse: {
            /** @description Empty when nothing came within `wait` */
            tasks: components["schemas"]["LeasedTask"][];
        };
        CompleteRequest: {
            /** @description Any JSON; stored as the task's result */
            result?: unknown;
            /**
             * @description The lease token the claim gave for this task
             * @example 9f2c…
             */
            token: string;
        };
        DeadLetterRetryRequest: {
            /**
             * @description Retry every dead task (no other filter needed)
             * @enum {boolean}
             */
            all?: true;
            ids?: string[];
            /** @example default */
            queue?: string;
            type?: string;
        };
        DeadLetterRetryResponse: {
            ids: string[];
            retried: number;
        };
        EnqueueRequest: {
            /** @description Defaults to the bearer token's name */
            createdBy?: string;
            tasks: components["schemas"]["EnqueueTask"][];
        };
        EnqueueResponse: {
            duplicateKeys: string[];
            duplicates: number;
            requested: number;
            submitted: number;
            tasks: {
                /** Format: uuid */
                id: string;
                index: number;
                queue: string;
                status: components["schemas"]["TaskStatus"];
                taskType: string;
            }[];
        };
        EnqueueTask: {
            /**
             * @description Go-style duration ("500ms", "5s", "1m30s") or ms: the first retry's delay, doubling; up to about 24.8 days (2147483647 ms)
             * @example 5s
             */
            backOffDuration?: string;
            /**
             * @description Tasks sharing a key (a tenant, a customer, an API account) run at most the queue's maxPerKey at once across all instances, and claims rotate among keys
             * @example customer-42
             */
            concurrencyKey?: string;
            /**
             * @description Go-style duration ("500ms", "5s", "1m30s") or ms: run no earlier than this long after the enqueue (database clock); up to 10 years (87600h). Not with runAt
             * @example 720h
             */
            delay?: string;
            /**
             * @description Parents: ids of existing tasks, or indexes of earlier tasks in this request (at most 100). The task is blocked until every parent succeeded; its handler then sees ctx.parents (id → result). An index that points forward or at the task itself (a cycle) or an unknown id is a 400.
             * @example [
             *       0,
             *       "0190f3a4-6b1e-7c2d-8e9f-0a1b2c3d4e5f"
             *     ]
             */
            dependsOn?: (string | number)[];
            /** @description Dedupe key: a second task with this key is skipped while one is pending or running (and, with uniqueFor, for that long after it ended) */
            key?: string;
            maxRetries?: number;
            /**
             * @description What a dead or cancelled parent does: "cancel" (default) cancels this task and, transitively, its own dependents; "run" runs it once every parent has ended, with ctx.parents holding the results of those that succeeded
             * @enum {string}
             */
            onParentFailure?: "cancel" | "run";
            /** @description Checked against the task type's payload schema */
            payload?: unknown;
            /** @example 1 */
            priority?: number;
            /** @example default */
            queue?: string;
            /** Format: date-time */
            runAt?: string;
            /**
             * @description one of: CPUProcess, Fibonacci, GenerateReport, InvalidJobPayload, SendEmail, Sleep
             * @example SendEmail
             */
            taskType: string;
            /**
             * @description Go-style duration ("500ms", "5s", "1m30s") or ms: an attempt running longer is aborted; above 0 and up to about 24.8 days (2147483647 ms)
             * @example 5s
             */
            timeout?: string;
            /**
             * @description With `key`: keep the key taken this long after the task ended (succeeded or dead), so another task with it is a duplicate until then ("at most one per customer per 10m"). Without it a key is free once its task ends. Above 0 and up to 366 days
             * @example 10m
             */
            uniqueFor?: string;
        };
        Error: {
            error: {
                /** @example validation_failed */
                code: string;
                /** @description For validation errors: [{index?, field, message}], one per bad field */
                details?: unknown;
                message: string;
            };
        };
        FailRequest: {
            /** @example upstream answered 503 */
            error: string;
            /**
             * @description false: dead at once, whatever retries are left
             * @default true
             */
            retryable?: boolean;
            /**
             * @description When it retries, wait this long instead of the task's backoff
             * @example 30s
             */
            retryIn?: string;
            /**
             * @description The lease token the claim gave for this task
             * @example 9f2c…
             */
            token: string;
        };
        /** @description Stored like a handler's ctx.progress (GET /task/{id} `progress`) and sent as a progress event */
        HeartbeatProgress: {
            /** @example 0.4 */
            fraction: number;
            /** @example page 40 of 100 */
            message?: string;
        };
        HeartbeatRequest: {
            progress?: components["schemas"]["HeartbeatProgress"];
            /**
             * @description The lease token the claim gave for this task
             * @example 9f2c…
             */
            token: string;
        };
        HeartbeatResponse: {
            /** Format: date-time */
            expiresAt: string;
        };
        Job: {
            attempts: number;
            /** @example invalid_payload */
            error: string | null;
            /** Format: uuid */
            id: string;
            /** Format: date-time */
            inserted_at: string;
            /**
             * @example {
             *       "n": 303
             *     }
             */
            payload?: unknown;
            /** @example fibonacci */
            queue_id: string;
            result?: unknown;
            status: components["schemas"]["TaskStatus"];
            /** Format: date-time */
            updated_at: string;
        };
        LeasedTask: {
            /** @description 1 for the first run, 2 for the first retry, … */
            attempt: number;
            /** Format: uuid */
            id: string;
            lease: {
                /**
                 * Format: date-time
                 * @description Heartbeat before this, or the task is rescued (worker lost) and retried elsewhere
                 */
                expiresAt: string;
                /** @description Send with every heartbeat, complete and fail of this task */
                token: string;
            };
            /** @description For a task enqueued with dependsOn: its succeeded parents, id → result (what ctx.parents holds in a handler) */
            parents?: {
                [key: string]: unknown;
            };
            payload?: unknown;
            queue: string;
            taskType: string;
        };
        OperatorAction: {
            action: string;
            actor: string;
            /** Format: date-time */
            at: string;
        };
        OutcomeResponse: {
            attempt: number;
            /** Format: uuid */
            id: string;
            /**
             * Format: date-time
             * @description For retrying: when it may run again
             */
            runAt?: string;
            /** @enum {string} */
            status: "succeeded" | "retrying" | "dead";
        };
        ParallelScheduleResponse: {
            /** @description Ids skipped because a task with that id is already scheduled or running */
            duplicates: string[];
            /** @description The tasks stored, in request order */
            scheduled: {
                [key: string]: number;
            }[];
        };
        ParallelTasks: {
            /**
             * @example {
             *       "task123": 1000,
             *       "task456": 2500
             *     }
             */
            active: {
                [key: string]: number;
            };
            scheduled: {
                [key: string]: number;
            }[];
        };
        PexecutorSubmitResponse: {
            DuplicateTasks: number;
            RequestedTask: number;
            SubmittedTasks: number;
        };
        /**
         * @example {
         *       "name": "Task 1",
         *       "duration": 3000
         *     }
         */
        PexecutorTask: {
            duration: number;
            name: string;
        };
        QueueLimits: {
            limitsSource: {
                /** @enum {string} */
                maxPerKey: "config" | "runtime" | "none";
                /** @enum {string} */
                rateLimit: "config" | "runtime" | "none";
            };
            maxPerKey: number | null;
            queue: string;
            rateLimit: components["schemas"]["QueueRateLimit"];
        };
        QueueLimitsPatch: {
            /**
             * @description At most this many tasks per concurrencyKey at once; null: no cap
             * @example 2
             */
            maxPerKey?: number | null;
            /** @description At most `max` starts per `per` across all instances; null: none */
            rateLimit?: {
                /** @example 100 */
                max: number;
                /**
                 * @description Go-style duration ("500ms", "5s", "1m30s") or ms
                 * @example 1m
                 */
                per: string;
            } | null;
        };
        /** @description At most `max` task starts per `per` across all instances; null: no rate limit */
        QueueRateLimit: {
            /** @example 100 */
            max: number;
            /** @example 1m */
            per: string;
            /** @example 60000 */
            perMs: number;
        } | null;
        QueueState: {
            paused: boolean;
            queue: string;
        };
        QueueSummary: {
            /** @description Per-node limit for this queue; 0 = only the pool */
            concurrency: number;
            /**
             * @example {
             *       "queued": 3,
             *       "running": 1
             *     }
             */
            counts: {
                [key: string]: number;
            };
            /** @description Where each limit comes from: config.yaml, a PATCH /queues/{name}, or none */
            limitsSource: {
                /** @enum {string} */
                maxPerKey: "config" | "runtime" | "none";
                /** @enum {string} */
                rateLimit: "config" | "runtime" | "none";
            };
            /** @description At most this many tasks of one concurrencyKey claimed or running at once; null: no cap */
            maxPerKey: number | null;
            name: string;
            oldestWaitingMs: number | null;
            paused: boolean;
            rateLimit: components["schemas"]["QueueRateLimit"];
        };
        Schedule: {
            /** Format: date-time */
            createdAt: string;
            /** @example 0 3 * * * */
            cron: string;
            /** @description Why the last tick made no task (its payload no longer fits the type's schema) */
            lastError: string | null;
            /**
             * Format: date-time
             * @description The last tick fired
             */
            lastRunAt: string | null;
            /**
             * Format: uuid
             * @description The task the last tick that made one made
             */
            lastTaskId: string | null;
            /** @example nightly-report */
            name: string;
            /**
             * Format: date-time
             * @description The next tick (null while paused); one in the past fires at the next round, once
             */
            nextRunAt: string | null;
            /** @description The next 5 ticks, from nextRunAt on */
            nextRuns: string[];
            paused: boolean;
            /**
             * @description `config`: listed in config.yaml, whose definition is applied again at every start
             * @enum {string}
             */
            source: "config" | "api";
            task: {
                payload?: unknown;
                priority: number | null;
                /** @description null: the type's queue (default) */
                queue: string | null;
                /** @example GenerateReport */
                taskType: string;
            };
            /** @example Europe/Berlin */
            timezone: string;
            /** Format: date-time */
            updatedAt: string;
        };
        /**
         * @example {
         *       "cron": "0 3 * * *",
         *       "timezone": "Europe/Berlin",
         *       "task": {
         *         "taskType": "GenerateReport",
         *         "payload": {
         *           "reportType": "Daily",
         *           "notify": [
         *             "ops@example.com"
         *           ]
         *         },
         *         "priority": 5
         *       }
         *     }
         */
        ScheduleDefinition: {
            /**
             * @description 5 fields (minute hour day-of-month month day-of-week), 6 with seconds first, or a nickname such as `@daily`
             * @example 0 3 * * *
             */
            cron: string;
            /** @description Defaults to false (a PUT replaces the whole definition) */
            paused?: boolean;
            task: components["schemas"]["ScheduleTask"];
            /**
             * @description IANA time zone the expression is read in; UTC when absent
             * @example Europe/Berlin
             */
            timezone?: string;
        };
        ScheduleList: {
            schedules: components["schemas"]["Schedule"][];
        };
        /** @description The task each tick enqueues, checked like an enqueue item */
        ScheduleTask: {
            /**
             * @description Checked against the task type's payload schema
             * @example {
             *       "reportType": "Daily",
             *       "notify": [
             *         "ops@example.com"
             *       ]
             *     }
             */
            payload?: unknown;
            /** @example 5 */
            priority?: number;
            /** @example default */
            queue?: string;
            /** @example GenerateReport */
            taskType: string;
        };
        Task: {
            attempts: number;
            /** @example 1s */
            backOffDuration: string;
            backoffMs: number;
            /** @description The concurrency key given at enqueue */
            concurrencyKey: string | null;
            /** Format: date-time */
            createdAt: string;
            createdBy: string | null;
            /** @description The last error, when an attempt failed */
            error: string | null;
            /** Format: date-time */
            finishedAt: string | null;
            /** Format: uuid */
            id: string;
            /** @description The dedupe key given at enqueue */
            key: string | null;
            /**
             * Format: date-time
             * @description After a task with uniqueFor ended (succeeded or dead): when its key is free again
             */
            keyHeldUntil: string | null;
            /** @description The node holding it, while claimed or running ('worker:<name>/…' for an HTTP worker's lease) */
            lockedBy: string | null;
            maxAttempts: number;
            /**
             * Format: date-time
             * @description When it may run next; null unless it waits
             */
            nextRunAt: string | null;
            payload?: unknown;
            priority: number;
            progress: components["schemas"]["TaskProgress"];
            queue: string;
            result?: unknown;
            /** Format: date-time */
            runAt: string;
            /** Format: date-time */
            startedAt: string | null;
            status: components["schemas"]["TaskStatus"];
            taskType: string;
            timeoutMs: number | null;
            /**
             * @description The unique window given at enqueue (how long the key stays taken after the end); null without one
             * @example 10m
             */
            uniqueFor: string | null;
        };
        TaskDetail: components["schemas"]["Task"] & {
            /** @description Ids of the tasks that depend on it */
            dependents: string[];
            /** @description Its parents (dependsOn at enqueue) with their status now; empty without parents */
            dependsOn: {
                /** Format: uuid */
                id: string;
                status: components["schemas"]["TaskStatus"] & (string | null);
            }[];
            history: components["schemas"]["TaskHistoryEntry"][];
            /**
             * @description What a dead or cancelled parent does to it; null without parents
             * @enum {string|null}
             */
            onParentFailure: "cancel" | "run" | null;
            /** @description Retries, cancels and bulk retries that touched it, from the audit log, oldest first */
            operatorActions: components["schemas"]["OperatorAction"][];
            waitingFor: components["schemas"]["WaitingFor"];
        };
        TaskHistoryEntry: {
            /** Format: date-time */
            at: string;
            attempt: number;
            error: string | null;
            fromStatus: components["schemas"]["TaskStatus"] & (string | null);
            nodeId: string | null;
            toStatus: components["schemas"]["TaskStatus"];
        };
        TaskPage: {
            /**
             * Format: uuid
             * @description Pass as `after` for the next page; absent on the last
             */
            next?: string;
            tasks: components["schemas"]["Task"][];
        };
        /** @description The handler's latest ctx.progress(fraction, message), or an HTTP worker's heartbeat progress, of the current or last attempt (stored at most once a second); null until it reports, and again when a new attempt starts */
        TaskProgress: {
            /** Format: date-time */
            at: string;
            /** @example 0.42 */
            fraction: number;
            /** @example page 42 of 100 */
            message: string | null;
        } | null;
        /** @enum {string} */
        TaskStatus: "blocked" | "queued" | "running" | "succeeded" | "retrying" | "dead" | "cancelled";
        TaskType: {
            defaults?: {
                backoffMs?: number;
                maxRetries?: number;
                timeoutMs?: number;
            };
            description?: string;
            /** @description Run by HTTP workers (POST /workers/claim), not by the nodes */
            external: boolean;
            payloadSchema: {
                [key: string]: unknown;
            };
            /** @description For an external type: the queue its tasks go to */
            queue?: string;
            thread: boolean;
            type: string;
        };
        /** @description Why it is not running yet; null unless it waits */
        WaitingFor: {
            ahead?: number;
            /** @description key_at_capacity: the key at its cap */
            concurrencyKey?: string;
            limit?: number;
            /** @example in backoff until 2026-01-01T00:00:05.000Z */
            message: string;
            /**
             * Format: date-time
             * @description rate_limited: when the queue's rate window reopens (also in `until`)
             */
            nextSlotAt?: string;
            nodeId?: string;
            /** @description For reason "parents" (status blocked): the parents still pending, with their status (null: removed by retention) */
            parents?: {
                /** Format: uuid */
                id: string;
                status: components["schemas"]["TaskStatus"] & (string | null);
            }[];
            queue?: string;
            /** @enum {string} */
            reason: "backoff" | "scheduled" | "queue_paused" | "queue_at_capacity" | "claimed" | "tasks_ahead" | "rate_limited" | "key_at_capacity" | "parents";
            running?: number;
            /** Format: date-time */
            until?: string;
        } | null;
        Worker: {
            /** Format: date-time */
            firstSeenAt: string;
            /** Format: date-time */
            lastSeenAt: string;
            name: string;
            /** @description Tasks it holds a lease on now */
            running: number;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    jobRunnerListJobs: {
        parameters: {
            query?: {
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Jobs */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        data: components["schemas"]["Job"][];
                    };
                };
            };
            /** @description The request is invalid; `details` lists every bad field (by task index for a batch) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    jobRunnerCreateJob: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    job: {
                        payload?: unknown;
                        queue_id: string;
                    };
                };
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        data: components["schemas"]["Job"];
                    };
                };
            };
            /** @description The request is invalid; `details` lists every bad field (by task index for a batch) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is larger than `api.bodyLimit` or holds more than `api.maxTasksPerRequest` tasks */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body must be application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not ready (database unreachable or migrations pending) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    jobRunnerGetJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The job */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        data: components["schemas"]["Job"];
                    };
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listAuditLog: {
        parameters: {
            query?: {
                /** @description An entry id: list the entries older than it */
                after?: number;
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of entries */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditPage"];
                };
            };
            /** @description The request is invalid; `details` lists every bad field (by task index for a batch) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listDeadLetters: {
        parameters: {
            query?: {
                after?: string;
                limit?: number;
                queue?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of dead tasks */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TaskPage"];
                };
            };
            /** @description The request is invalid; `details` lists every bad field (by task index for a batch) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    retryDeadLetters: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["DeadLetterRetryRequest"];
            };
        };
        responses: {
            /** @description The tasks queued again */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeadLetterRetryResponse"];
                };
            };
            /** @description The request is invalid; `details` lists every bad field (by task index for a batch) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body must be application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    streamEvents: {
        parameters: {
            query?: {
                queue?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description An endless text/event-stream */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Up */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        status: "ok";
                    };
                };
            };
        };
    };
    getMetrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Prometheus text exposition format */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listQueues: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The queues */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        queues: components["schemas"]["QueueSummary"][];
                    };
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    setQueueLimits: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["QueueLimitsPatch"];
            };
        };
        responses: {
            /** @description The limits now in force */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["QueueLimits"];
                };
            };
            /** @description The request is invalid; `details` lists every bad field (by task index for a batch) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    pauseQueue: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The queue state */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["QueueState"];
                };
            };
            /** @description The request is invalid; `details` lists every bad field (by task index for a batch) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    resumeQueue: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The queue state */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["QueueState"];
                };
            };
            /** @description The request is invalid; `details` lists every bad field (by task index for a batch) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listQueueTasks: {
        parameters: {
            query?: {
                after?: string;
                limit?: number;
                payload?: string;
                status?: components["schemas"]["TaskStatus"];
                type?: string;
            };
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of tasks */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TaskPage"];
                };
            };
            /** @description The request is invalid; `details` lists every bad field (by task index for a batch) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getReadiness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        status: "ready";
                    };
                };
            };
            /** @description Not ready */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @enum {string} */
                            code: "not_ready";
                            message: string;
                        };
                        /** @enum {string} */
                        status: "not_ready";
                    };
                };
            };
        };
    };
    parallelQueueSchedule: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    [key: string]: number;
                };
            };
        };
        responses: {
            /** @description Scheduled */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ParallelScheduleResponse"];
                };
            };
            /** @description The request is invalid; `details` lists every bad field (by task index for a batch) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is larger than `api.bodyLimit` or holds more than `api.maxTasksPerRequest` tasks */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body must be application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not ready (database unreachable or migrations pending) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listSchedules: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The schedules */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ScheduleList"];
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getSchedule: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The schedule */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Schedule"];
                };
            };
            /** @description The request is invalid; `details` lists every bad field (by task index for a batch) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    putSchedule: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ScheduleDefinition"];
            };
        };
        responses: {
            /** @description Replaced */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Schedule"];
                };
            };
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Schedule"];
                };
            };
            /** @description The request is invalid; `details` lists every bad field (by task index for a batch) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body must be application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteSchedule: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The request is invalid; `details` lists every bad field (by task index for a batch) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    pauseSchedule: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The schedule */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Schedule"];
                };
            };
            /** @description The request is invalid; `details` lists every bad field (by task index for a batch) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    resumeSchedule: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The schedule */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Schedule"];
                };
            };
            /** @description The request is invalid; `details` lists every bad field (by task index for a batch) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listTaskTypes: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The task types */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        types: components["schemas"]["TaskType"][];
                    };
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getTask: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The task */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TaskDetail"];
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    cancelTask: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Cancelled */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The task is in a state that does not allow this */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    completeTask: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CompleteRequest"];
            };
        };
        responses: {
            /** @description Succeeded */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OutcomeResponse"];
                };
            };
            /** @description The request is invalid; `details` lists every bad field (by task index for a batch) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The task is in a state that does not allow this */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body must be application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not ready (database unreachable or migrations pending) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    failTask: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["FailRequest"];
            };
        };
        responses: {
            /** @description The new status */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OutcomeResponse"];
                };
            };
            /** @description The request is invalid; `details` lists every bad field (by task index for a batch) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The task is in a state that does not allow this */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body must be application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not ready (database unreachable or migrations pending) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    heartbeatTask: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["HeartbeatRequest"];
            };
        };
        responses: {
            /** @description The lease now expires at */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HeartbeatResponse"];
                };
            };
            /** @description The request is invalid; `details` lists every bad field (by task index for a batch) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The task is in a state that does not allow this */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body must be application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not ready (database unreachable or migrations pending) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    retryTask: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Queued again */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The task is in a state that does not allow this */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    parallelQueueListTasks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Active and scheduled */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ParallelTasks"];
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    pexecutorSubmitTasks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PexecutorTask"][];
            };
        };
        responses: {
            /** @description Counts */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PexecutorSubmitResponse"];
                };
            };
            /** @description The request is invalid; `details` lists every bad field (by task index for a batch) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is larger than `api.bodyLimit` or holds more than `api.maxTasksPerRequest` tasks */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body must be application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    enqueueTasks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["EnqueueRequest"];
            };
        };
        responses: {
            /** @description Stored */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EnqueueResponse"];
                };
            };
            /** @description The request is invalid; `details` lists every bad field (by task index for a batch) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is larger than `api.bodyLimit` or holds more than `api.maxTasksPerRequest` tasks */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body must be application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not ready (database unreachable or migrations pending) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    pexecutorPendingTasks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Pending tasks */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PexecutorTask"][];
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    pexecutorRunningTasks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Running tasks */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PexecutorTask"][];
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listWorkers: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The workers */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        workers: components["schemas"]["Worker"][];
                    };
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    claimTasks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ClaimRequest"];
            };
        };
        responses: {
            /** @description The claimed tasks */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ClaimResponse"];
                };
            };
            /** @description The request is invalid; `details` lists every bad field (by task index for a batch) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A bearer token is required (only when `api.authTokens` is set) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The token has read scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body must be application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Rate limited, or the backlog limit is reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not ready (database unreachable or migrations pending) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
}
