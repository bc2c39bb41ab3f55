// Several task types in one module: the default export is an array. CountPrimes is CPU-bound,
// so it runs in a worker thread: `thread.moduleUrl` is this file, which the thread imports to
// find the handler by its type.
import { defineHandler } from 'pgtask';
import { z } from 'zod';

const limit = z.number().int().min(2).max(50_000_000);

function sieve(upTo) {
  const composite = new Uint8Array(upTo + 1);
  let count = 0;
  for (let n = 2; n <= upTo; n++) {
    if (composite[n]) continue;
    count++;
    for (let multiple = n * n; multiple <= upTo; multiple += n) composite[multiple] = 1;
  }
  return count;
}

export default [
  defineHandler({
    type: 'CountPrimes',
    description: 'How many primes there are up to `upTo` (a sieve, in a worker thread).',
    payloadSchema: z.strictObject({ upTo: limit }),
    thread: { moduleUrl: import.meta.url },
    run(payload, ctx) {
      ctx.progress(0, 'sieving');
      const count = sieve(payload.upTo);
      ctx.progress(1);
      return { upTo: payload.upTo, count };
    },
  }),
  defineHandler({
    type: 'IsPrime',
    description: 'Whether `n` is prime (trial division, on the event loop: it is quick).',
    payloadSchema: z.strictObject({ n: z.number().int().min(0).max(1_000_000_000_000) }),
    run({ n }) {
      if (n < 2) return { n, prime: false };
      for (let divisor = 2; divisor * divisor <= n; divisor++) {
        if (n % divisor === 0) return { n, prime: false, divisor };
      }
      return { n, prime: true };
    },
  }),
];
