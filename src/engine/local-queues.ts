import type { QueueConfig } from '../config/schema.js';
import type { ClaimedTask } from '../model/task.js';
import { PriorityQueue } from '../queue/priority-queue.js';

/** This node's view of one queue: its buffer, how many of its tasks run here, and its limits. */
export interface LocalQueue {
  name: string;
  buffer: PriorityQueue<ClaimedTask>;
  running: number;
  /** Per-node concurrency; 0 means only the pool limits it. */
  limit: number;
  paused: boolean;
  /** Holds external types (HTTP workers claim them): never claimed into this node's buffer. */
  external: boolean;
  /** Most tasks this queue may hold in the buffer (a small queue must not hog the buffer). */
  bufferCap: number;
  /**
   * Room promised to claims in flight (the feeder's, or an enqueue claiming at insert), so two
   * of them cannot both fill the same room.
   */
  reserved: number;
  /** The last claim found less than it asked for: skip claiming until woken. */
  drained: boolean;
  pollIntervalMs: number;
  lastPolledAt: number;
}

export class LocalQueues {
  readonly #queues = new Map<string, LocalQueue>();

  constructor(
    private readonly options: {
      settings: readonly QueueConfig[];
      maxBufferSize: number;
      starvationEvery: number;
      pollIntervalMs: number;
      externalQueues?: ReadonlySet<string>;
    },
  ) {
    for (const settings of options.settings) this.get(settings.id);
  }

  get(name: string): LocalQueue {
    let queue = this.#queues.get(name);
    if (!queue) {
      const settings = this.options.settings.find((candidate) => candidate.id === name);
      const limit = settings?.workers ?? 0;
      queue = {
        name,
        buffer: new PriorityQueue<ClaimedTask>({ starvationEvery: this.options.starvationEvery }),
        running: 0,
        limit,
        paused: settings?.paused ?? false,
        external: this.options.externalQueues?.has(name) ?? false,
        bufferCap:
          limit > 0
            ? Math.min(this.options.maxBufferSize, Math.max(limit * 2, 10))
            : this.options.maxBufferSize,
        reserved: 0,
        drained: false,
        pollIntervalMs: settings?.interval ?? this.options.pollIntervalMs,
        lastPolledAt: 0,
      };
      this.#queues.set(name, queue);
    }
    return queue;
  }

  has(name: string): boolean {
    return this.#queues.has(name);
  }

  all(): IterableIterator<LocalQueue> {
    return this.#queues.values();
  }

  /** Tasks in every buffer (ready and held aside), plus room promised to claims in flight. */
  bufferedCount(): number {
    let total = 0;
    for (const queue of this.#queues.values()) total += queue.buffer.size + queue.reserved;
    return total;
  }

  /** Free room in one queue's buffer, within the node's total buffer. */
  roomIn(queue: LocalQueue, maxBufferSize: number): number {
    return Math.min(
      maxBufferSize - this.bufferedCount(),
      queue.bufferCap - queue.buffer.size - queue.reserved,
    );
  }

  /**
   * The queue to dispatch from: among queues not paused and under their limit, the one whose next
   * task has the highest priority. O(number of queues), never O(tasks).
   */
  pickNext(): LocalQueue | undefined {
    let best: LocalQueue | undefined;
    let bestPriority = Number.NEGATIVE_INFINITY;
    for (const queue of this.#queues.values()) {
      if (queue.paused || queue.buffer.readySize === 0) continue;
      if (queue.limit > 0 && queue.running >= queue.limit) continue;
      const next = queue.buffer.peek();
      if (next && next.priority > bestPriority) {
        best = queue;
        bestPriority = next.priority;
      }
    }
    return best;
  }

  /** The earliest time a held-aside task comes due, across queues. */
  nextDueAt(): number | undefined {
    let earliest: number | undefined;
    for (const queue of this.#queues.values()) {
      const due = queue.buffer.nextDueAt();
      if (due !== undefined && (earliest === undefined || due < earliest)) earliest = due;
    }
    return earliest;
  }
}
