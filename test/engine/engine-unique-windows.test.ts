import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineHandler, PermanentError } from '../../src/tasks/task-handler.js';
import { type EngineSetup, setupEngines } from '../support/engine.js';

const handlers = [
  defineHandler({ type: 'Report', payloadSchema: z.object({}), run: () => 'sent' }),
  defineHandler({
    type: 'Broken',
    payloadSchema: z.object({}),
    run: () => {
      throw new PermanentError('no');
    },
  }),
];

describe('unique windows (uniqueFor)', () => {
  let setup: EngineSetup;
  afterEach(() => setup?.teardown());

  /** Waits on the database clock (not on work): until now() is past the key's hold. */
  async function untilDatabaseClockPasses(id: string): Promise<void> {
    for (;;) {
      const { rows } = await setup.db.pool.query<{ past: boolean }>(
        'select now() > key_held_until as past from tasks where id = $1',
        [id],
      );
      if (rows[0]?.past) return;
      await new Promise((done) => setTimeout(done, 20));
    }
  }

  it('keeps a key taken for the window after the task succeeded, then frees it', async () => {
    setup = await setupEngines({ handlers });
    const engine = await setup.startEngine();
    const report = { type: 'Report', dedupeKey: 'customer-42', uniqueForMs: 600_000 };
    const first = await engine.enqueueBatch([report]);
    const id = first.accepted[0]!.id;
    await setup.waitForFinished(1);
    const done = await engine.getTask(id);
    expect(done).toMatchObject({ status: 'succeeded', uniqueForMs: 600_000 });
    const { rows } = await setup.db.pool.query<{ left_ms: number }>(
      `select (extract(epoch from key_held_until - now()) * 1000)::float8 as left_ms from tasks where id = $1`,
      [id],
    );
    expect(rows[0]!.left_ms).toBeGreaterThan(590_000);
    expect(rows[0]!.left_ms).toBeLessThanOrEqual(600_000);

    // Within the window: a duplicate, though the first task has ended.
    const second = await engine.enqueueBatch([report]);
    expect(second.accepted).toHaveLength(0);
    expect(second.duplicates).toEqual([{ index: 0, key: 'customer-42', queue: 'default' }]);

    // Ten minutes later on the database clock (the hold moved back by the window instead).
    await setup.db.pool.query(
      `update tasks set key_held_until = key_held_until - interval '10 minutes' where id = $1`,
      [id],
    );
    const third = await engine.enqueueBatch([report]);
    expect(third.accepted).toHaveLength(1);
    expect((await engine.getTask(id))?.keyHeldUntil).toBeNull();
  });

  it('a short window ends by the database clock; a dead task holds it, a cancelled one does not', async () => {
    setup = await setupEngines({ handlers });
    const engine = await setup.startEngine();
    const dead = await engine.enqueueBatch([{ type: 'Broken', dedupeKey: 'k-dead', uniqueForMs: 300 }]);
    await setup.waitForFinished(1);
    expect((await engine.enqueueBatch([{ type: 'Broken', dedupeKey: 'k-dead' }])).duplicates).toHaveLength(1);
    await untilDatabaseClockPasses(dead.accepted[0]!.id);
    expect((await engine.enqueueBatch([{ type: 'Report', dedupeKey: 'k-dead' }])).accepted).toHaveLength(1);

    const later = await engine.enqueueBatch([
      { type: 'Report', dedupeKey: 'k-cancelled', uniqueForMs: 600_000, delayMs: 3_600_000 },
    ]);
    await engine.cancelTask(later.accepted[0]!.id);
    expect((await engine.getTask(later.accepted[0]!.id))?.keyHeldUntil).toBeNull();
    expect((await engine.enqueueBatch([{ type: 'Report', dedupeKey: 'k-cancelled' }])).accepted).toHaveLength(
      1,
    );
  });

  it('a workflow child of a parent deduplicated by a window follows the task that holds the key', async () => {
    setup = await setupEngines({ handlers });
    const engine = await setup.startEngine();
    const report = { type: 'Report', dedupeKey: 'daily', uniqueForMs: 600_000 };
    const first = await engine.enqueueBatch([report]);
    await setup.waitForFinished(1);
    // The report already ran within its window: the new one is a duplicate, and the child
    // that waits for it is queued at once (its parent, the holder, succeeded).
    const batch = await engine.enqueueBatch([report, { type: 'Report', dependsOn: [0] }]);
    expect(batch.duplicates).toEqual([{ index: 0, key: 'daily', queue: 'default' }]);
    expect(batch.accepted).toEqual([expect.objectContaining({ index: 1, status: 'queued' })]);
    await setup.waitForFinished(2);
    const child = await engine.getTask(batch.accepted[0]!.id);
    expect(child?.status).toBe('succeeded');
    const { rows } = await setup.db.pool.query<{ parent_id: string }>(
      'select parent_id from task_dependencies where child_id = $1',
      [child!.id],
    );
    expect(rows).toEqual([{ parent_id: first.accepted[0]!.id }]);
  });

  it('without uniqueFor a key is free again as soon as its task ended', async () => {
    setup = await setupEngines({ handlers });
    const engine = await setup.startEngine();
    await engine.enqueueBatch([{ type: 'Report', dedupeKey: 'plain' }]);
    await setup.waitForFinished(1);
    expect((await engine.enqueueBatch([{ type: 'Report', dedupeKey: 'plain' }])).accepted).toHaveLength(1);
  });

  it('two nodes racing for a key whose window just ended: exactly one gets it each round', async () => {
    setup = await setupEngines({ handlers });
    const a = await setup.startEngine({ processTasks: false });
    const b = await setup.startEngine({ processTasks: false });
    for (let round = 0; round < 10; round++) {
      const key = `race-${round}`;
      const holder = await a.enqueueBatch([{ type: 'Report', dedupeKey: key, uniqueForMs: 600_000 }]);
      // Ended long ago: succeeded, its window over.
      await setup.db.pool.query(`update tasks set status = 'succeeded', finished_at = now() where id = $1`, [
        holder.accepted[0]!.id,
      ]);
      await setup.db.pool.query(
        `update tasks set key_held_until = now() - interval '1 second' where id = $1`,
        [holder.accepted[0]!.id],
      );
      const answers = await Promise.all([
        a.enqueueBatch([{ type: 'Report', dedupeKey: key, uniqueForMs: 600_000 }]),
        b.enqueueBatch([{ type: 'Report', dedupeKey: key, uniqueForMs: 600_000 }]),
      ]);
      expect(answers.reduce((n, answer) => n + answer.accepted.length, 0)).toBe(1);
      expect(answers.reduce((n, answer) => n + answer.duplicates.length, 0)).toBe(1);
    }
  });
});
