import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ThreadRunner } from '../../src/engine/thread-runner.js';
import { createLogger } from '../../src/logger.js';
import { cpuProcess, DEFAULT_CPU_ROUNDS } from '../../src/tasks/cpu-process.js';
import { isPermanent } from '../../src/tasks/task-handler.js';
import { issuesOf, makeContext, seedEnqueueExample } from './task-context.js';

const runner = new ThreadRunner({ size: 1, log: createLogger({ level: 'silent', pretty: false }) });
afterAll(() => runner.close());

function runInThread(payload: unknown, attempt = 1) {
  return runner.run({
    moduleUrl: cpuProcess.thread!.moduleUrl,
    payload: cpuProcess.payloadSchema.parse(payload),
    ctx: { taskId: 'cpu', attempt, queue: 'default' },
  });
}

function hashChain(start: string, rounds: number): string {
  let digest = createHash('sha256').update(start).digest();
  for (let round = 1; round < rounds; round++) digest = createHash('sha256').update(digest).digest();
  return digest.toString('hex');
}

describe('CPUProcess', () => {
  it("accepts the seed's payload and fills in the default number of rounds", () => {
    expect(cpuProcess.payloadSchema.parse(seedEnqueueExample.tasks[2].payload)).toEqual({
      ProcessType: 'want to fail',
      rounds: DEFAULT_CPU_ROUNDS,
    });
  });

  it.each([
    [{}, 'ProcessType: ProcessType, a string'],
    [{ ProcessType: '' }, 'ProcessType: a non-empty ProcessType'],
    [{ ProcessType: 'x', rounds: 0 }, 'rounds: at least 1 round'],
    [{ ProcessType: 'x', rounds: 10_000_001 }, 'rounds: at most 10,000,000 rounds'],
    [{ ProcessType: 'x', rounds: 1.5 }, 'rounds: rounds must be a whole number'],
    [{ processType: 'x' }, 'ProcessType: ProcessType, a string'],
  ])('rejects %j with a useful message', (payload, message) => {
    expect(issuesOf(cpuProcess.payloadSchema.safeParse(payload)).join('\n')).toContain(message);
  });

  it('returns the digest of its hash chain, computed in a worker thread', async () => {
    await expect(runInThread({ ProcessType: 'resize images', rounds: 5000 })).resolves.toEqual({
      processType: 'resize images',
      rounds: 5000,
      digest: hashChain('resize images', 5000),
    });
  });

  it('does the default amount of work when rounds is left out', async () => {
    const result = (await runInThread({ ProcessType: 'default work' })) as { rounds: number; digest: string };
    expect(result.rounds).toBe(DEFAULT_CPU_ROUNDS);
    expect(result.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('fails on purpose with a retryable error for "want to fail", on every attempt', async () => {
    for (const attempt of [1, 2, 4]) {
      const error = await runInThread({ ProcessType: 'want to fail' }, attempt).catch(
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toContain('failed on purpose');
      expect(isPermanent(error as Error)).toBe(false);
    }
  });

  it('stops at its abort signal when run outside a thread', () => {
    const signal = AbortSignal.abort(new Error('timed out'));
    expect(() =>
      cpuProcess.run({ ProcessType: 'in process', rounds: 50_000 }, makeContext({ signal })),
    ).toThrow('timed out');
  });
});
