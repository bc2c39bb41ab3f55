/**
 * Group commit for calls that each would be one statement: the first call is written at once;
 * calls that arrive while a write is in flight wait for it and then go together in the next one.
 * An idle caller pays no delay, and under load one statement serves many calls. Calls with the
 * same key never share a batch (a second answer for one task waits for the first to be written).
 */
interface Waiting<In, Out> {
  item: In;
  resolve: (out: Out) => void;
  reject: (error: unknown) => void;
}

export class Coalescer<In, Out> {
  readonly #flush: (items: In[]) => Promise<ReadonlyArray<Out | Error>>;
  readonly #keyOf: (item: In) => string;
  readonly #maxBatch: number;
  #waiting: Array<Waiting<In, Out>> = [];
  #writing = false;

  constructor(options: {
    /** Writes the batch; answers one result (or the Error for that item) per item, in order. */
    flush: (items: In[]) => Promise<ReadonlyArray<Out | Error>>;
    keyOf: (item: In) => string;
    maxBatch: number;
  }) {
    this.#flush = options.flush;
    this.#keyOf = options.keyOf;
    this.#maxBatch = options.maxBatch;
  }

  submit(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      if (!this.#writing) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#waiting.length > 0) {
        const batch: Array<Waiting<In, Out>> = [];
        const later: Array<Waiting<In, Out>> = [];
        const keys = new Set<string>();
        for (const entry of this.#waiting) {
          const key = this.#keyOf(entry.item);
          if (batch.length < this.#maxBatch && !keys.has(key)) {
            keys.add(key);
            batch.push(entry);
          } else later.push(entry);
        }
        this.#waiting = later;
        try {
          const results = await this.#flush(batch.map((entry) => entry.item));
          batch.forEach((entry, index) => {
            const result = results[index];
            if (result instanceof Error) entry.reject(result);
            else entry.resolve(result as Out);
          });
        } catch (error) {
          for (const entry of batch) entry.reject(error);
        }
      }
    } finally {
      this.#writing = false;
    }
  }
}
