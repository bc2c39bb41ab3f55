import type { EventBus } from '../../src/events/event-bus.js';
import type { TaskEventKind, TaskLifecycleEvent } from '../../src/events/task-event.js';
import { EventLog } from './event-log.js';

const FINAL_KINDS: ReadonlySet<TaskEventKind> = new Set(['succeeded', 'dead', 'cancelled']);

type EventMatch = Partial<Pick<TaskLifecycleEvent, 'kind' | 'taskId' | 'attempt' | 'queue' | 'type'>>;

/**
 * An engine's task events from the moment of `watch`. The engine publishes an outcome's events
 * after its row is written, so once an event arrived the database shows the change too.
 */
export class TaskEvents extends EventLog<TaskLifecycleEvent> {
  readonly stop: () => void;

  private constructor(bus: EventBus) {
    super();
    this.stop = bus.subscribe((batch) => {
      for (const event of batch) this.push(event);
    });
  }

  static watch(engine: { events: EventBus }): TaskEvents {
    return new TaskEvents(engine.events);
  }

  /** The event that ended the task: succeeded, dead or cancelled. */
  finished(taskId: string, timeoutMs?: number): Promise<TaskLifecycleEvent> {
    return this.first((event) => event.taskId === taskId && FINAL_KINDS.has(event.kind), {
      timeoutMs,
      what: `the end of task ${taskId}`,
    });
  }

  /** The first event with these fields (and passing `also`, when given). */
  next(
    fields: EventMatch,
    also: (event: TaskLifecycleEvent) => boolean = () => true,
    timeoutMs?: number,
  ): Promise<TaskLifecycleEvent> {
    const entries = Object.entries(fields) as [keyof TaskLifecycleEvent, unknown][];
    return this.first((event) => entries.every(([key, value]) => event[key] === value) && also(event), {
      timeoutMs,
      what: `task event ${JSON.stringify(fields)}`,
    });
  }
}
