import { BinaryHeap } from './binary-heap.js';

/**
 * The in-memory buffer of one queue: buckets by priority (higher first), FIFO inside a bucket,
 * and tasks in backoff held aside until due. Pure data structure: the caller passes `now`.
 *
 * Every ready entry sits in two doubly linked lists: its priority bucket and one arrival list
 * across all priorities. Dispatch takes the head of the highest bucket, except every
 * `starvationEvery`-th dispatch, which takes the head of the arrival list (the longest-waiting
 * entry whatever its priority). An entry's place in the arrival list only moves forward, so a
 * low-priority entry starts within (its place × starvationEvery) dispatches, however many
 * higher-priority entries keep arriving.
 *
 * Costs: push O(log p) (p = distinct priorities present), pop O(log p), remove O(1) for ready
 * entries (held ones are dropped lazily), promoting a due entry O(log h).
 */
export interface QueueEntry<T> {
  readonly id: string;
  readonly priority: number;
  readonly value: T;
}

interface Node<T> {
  entry: QueueEntry<T>;
  bucket: Bucket<T>;
  prevInBucket?: Node<T>;
  nextInBucket?: Node<T>;
  prevArrival?: Node<T>;
  nextArrival?: Node<T>;
}

interface Bucket<T> {
  priority: number;
  head?: Node<T>;
  tail?: Node<T>;
  size: number;
}

interface HeldEntry<T> {
  entry: QueueEntry<T>;
  dueAt: number;
  sequence: number;
}

export class PriorityQueue<T> {
  readonly #buckets = new Map<number, Bucket<T>>();
  /**
   * Priorities with a bucket, highest on top. A bucket that empties below the top leaves its
   * number behind; it is discarded when it surfaces. #inHeap keeps each number in at most once,
   * so the heap never holds more than the distinct priorities seen.
   */
  readonly #priorities = new BinaryHeap<number>((a, b) => a > b);
  readonly #inHeap = new Set<number>();
  readonly #nodes = new Map<string, Node<T>>();
  readonly #held = new BinaryHeap<HeldEntry<T>>((a, b) =>
    a.dueAt === b.dueAt ? a.sequence < b.sequence : a.dueAt < b.dueAt,
  );
  /** Held ids and the sequence of their live heap entry; a removed one is dropped when it surfaces. */
  readonly #heldIds = new Map<string, number>();
  #arrivalHead?: Node<T>;
  #arrivalTail?: Node<T>;
  #dispatches = 0;
  #sequence = 0;
  readonly #starvationEvery: number;

  constructor(options: { starvationEvery?: number } = {}) {
    this.#starvationEvery = options.starvationEvery ?? 0;
  }

  /** Ready entries (not held aside). */
  get readySize(): number {
    return this.#nodes.size;
  }

  get heldSize(): number {
    return this.#heldIds.size;
  }

  get size(): number {
    return this.#nodes.size + this.#heldIds.size;
  }

  has(id: string): boolean {
    return this.#nodes.has(id) || this.#heldIds.has(id);
  }

  /** Adds a ready entry at the back of its priority's FIFO. */
  push(entry: QueueEntry<T>): void {
    if (this.has(entry.id)) throw new Error(`entry ${entry.id} is already queued`);
    this.#insertReady(entry);
  }

  /** Holds an entry aside until `dueAt` (backoff); `promoteDue(now)` makes it ready. */
  hold(entry: QueueEntry<T>, dueAt: number): void {
    if (this.has(entry.id)) throw new Error(`entry ${entry.id} is already queued`);
    const sequence = this.#sequence++;
    this.#heldIds.set(entry.id, sequence);
    this.#held.push({ entry, dueAt, sequence });
  }

  /** Moves every held entry due at `now` into its bucket, in due order; returns how many. */
  promoteDue(now: number): number {
    let promoted = 0;
    for (let top = this.#held.peek(); top && top.dueAt <= now; top = this.#held.peek()) {
      this.#held.pop();
      if (this.#heldIds.get(top.entry.id) !== top.sequence) continue; // removed while held
      this.#heldIds.delete(top.entry.id);
      this.#insertReady(top.entry);
      promoted++;
    }
    return promoted;
  }

  /** When the next held entry comes due, or undefined when none is held. */
  nextDueAt(): number | undefined {
    for (let top = this.#held.peek(); top; top = this.#held.peek()) {
      if (this.#heldIds.get(top.entry.id) === top.sequence) return top.dueAt;
      this.#held.pop(); // a removed entry: drop it now so the answer is exact
    }
    return undefined;
  }

  /** The entry `pop()` would return next (without counting a dispatch). */
  peek(): QueueEntry<T> | undefined {
    return this.#nextNode(this.#dispatches + 1)?.entry;
  }

  /** Takes the next ready entry: highest priority first, FIFO within it, with the starvation guard. */
  pop(): QueueEntry<T> | undefined {
    const node = this.#nextNode(this.#dispatches + 1);
    if (!node) return undefined;
    this.#dispatches++;
    this.#unlink(node);
    return node.entry;
  }

  /** Removes an entry (cancelled, or taken over by another node); true when it was here. */
  remove(id: string): boolean {
    const node = this.#nodes.get(id);
    if (node) {
      this.#unlink(node);
      return true;
    }
    return this.#heldIds.delete(id);
  }

  /** Every entry, ready ones in dispatch order by priority then FIFO, then held ones (for listings). */
  *entries(): Generator<QueueEntry<T>> {
    const priorities = [...this.#buckets.keys()].sort((a, b) => b - a);
    for (const priority of priorities) {
      for (let node = this.#buckets.get(priority)?.head; node; node = node.nextInBucket) yield node.entry;
    }
  }

  /** Empties the queue, returning every entry (ready and held) — used on shutdown and lost leases. */
  drain(): QueueEntry<T>[] {
    const all = [...this.entries()];
    for (let top = this.#held.pop(); top; top = this.#held.pop()) {
      if (this.#heldIds.get(top.entry.id) === top.sequence) all.push(top.entry);
    }
    this.#buckets.clear();
    this.#nodes.clear();
    this.#heldIds.clear();
    while (this.#priorities.pop() !== undefined) {}
    this.#inHeap.clear();
    this.#arrivalHead = undefined;
    this.#arrivalTail = undefined;
    return all;
  }

  #nextNode(dispatchNumber: number): Node<T> | undefined {
    if (this.#nodes.size === 0) return undefined;
    if (this.#starvationEvery > 0 && dispatchNumber % this.#starvationEvery === 0) return this.#arrivalHead;
    const priority = this.#priorities.peek();
    return priority === undefined ? undefined : this.#buckets.get(priority)?.head;
  }

  #insertReady(entry: QueueEntry<T>): void {
    let bucket = this.#buckets.get(entry.priority);
    if (!bucket) {
      bucket = { priority: entry.priority, size: 0 };
      this.#buckets.set(entry.priority, bucket);
      if (!this.#inHeap.has(entry.priority)) {
        this.#inHeap.add(entry.priority);
        this.#priorities.push(entry.priority);
      }
    }
    const node: Node<T> = { entry, bucket, prevInBucket: bucket.tail, prevArrival: this.#arrivalTail };
    if (bucket.tail) bucket.tail.nextInBucket = node;
    else bucket.head = node;
    bucket.tail = node;
    bucket.size++;
    if (this.#arrivalTail) this.#arrivalTail.nextArrival = node;
    else this.#arrivalHead = node;
    this.#arrivalTail = node;
    this.#nodes.set(entry.id, node);
  }

  #unlink(node: Node<T>): void {
    const bucket = node.bucket;
    if (node.prevInBucket) node.prevInBucket.nextInBucket = node.nextInBucket;
    else bucket.head = node.nextInBucket;
    if (node.nextInBucket) node.nextInBucket.prevInBucket = node.prevInBucket;
    else bucket.tail = node.prevInBucket;
    bucket.size--;
    if (node.prevArrival) node.prevArrival.nextArrival = node.nextArrival;
    else this.#arrivalHead = node.nextArrival;
    if (node.nextArrival) node.nextArrival.prevArrival = node.prevArrival;
    else this.#arrivalTail = node.prevArrival;
    this.#nodes.delete(node.entry.id);
    if (bucket.size === 0) this.#buckets.delete(bucket.priority);
    for (let top = this.#priorities.peek(); top !== undefined && !this.#buckets.has(top); ) {
      this.#priorities.pop();
      this.#inHeap.delete(top);
      top = this.#priorities.peek();
    }
  }
}
