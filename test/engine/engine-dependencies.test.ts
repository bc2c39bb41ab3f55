import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Engine } from '../../src/engine/engine.js';
import type { Actor } from '../../src/model/audit.js';
import type { NewTask } from '../../src/model/task.js';
import { defineHandler, PermanentError, type TaskHandler } from '../../src/tasks/task-handler.js';
import { type EngineSetup, setupEngines } from '../support/engine.js';

const operator: Actor = { name: 'test', address: null, requestId: null };

/**
 * `Step` returns its payload's `value` (or fails for good when `fail` is set). At every start it
 * records, straight from the database, the status of each of its parents: the proof that no
 * child ever starts before its parents' success committed, whichever node ran them.
 */
function workflowHandlers(setup: () => EngineSetup) {
  const starts = new Map<string, number>();
  const parentStatusesAtStart = new Map<string, string[]>();
  const parentsSeen = new Map<string, Record<string, unknown> | undefined>();
  const step: TaskHandler = defineHandler({
    type: 'Step',
    payloadSchema: z.object({ value: z.unknown().optional(), fail: z.boolean().optional() }),
    async run(payload, ctx) {
      starts.set(ctx.taskId, (starts.get(ctx.taskId) ?? 0) + 1);
      parentsSeen.set(ctx.taskId, ctx.parents);
      const { rows } = await setup().db.pool.query<{ status: string }>(
        `select p.status from task_dependencies d join tasks p on p.id = d.parent_id where d.child_id = $1`,
        [ctx.taskId],
      );
      parentStatusesAtStart.set(
        ctx.taskId,
        rows.map((row) => row.status),
      );
      if (payload.fail) throw new PermanentError('step failed on purpose');
      return payload.value ?? null;
    },
  });
  return { handlers: [step], starts, parentStatusesAtStart, parentsSeen };
}

async function statusOf(engine: Engine, id: string) {
  return (await engine.getTask(id))?.status;
}

describe('dependencies (workflows)', () => {
  let setup: EngineSetup;
  afterEach(() => setup?.teardown());

  it('runs a fan-out / fan-in DAG on two nodes: no child starts before all its parents succeeded', async () => {
    const recorded = workflowHandlers(() => setup);
    // Leases long enough that a loaded machine never rescues a task here: a second start would
    // then be at-least-once redelivery (tested elsewhere), not a dependency's doing.
    setup = await setupEngines({
      handlers: recorded.handlers,
      config: { lease: { heartbeatInterval: 500, timeout: 30_000 } },
    });
    const a = await setup.startEngine();
    const b = await setup.startEngine();
    // 20 diamonds (root → left, right → join) plus a second join that fans in from two diamonds.
    const batch: NewTask[] = [];
    for (let d = 0; d < 20; d++) {
      const root = batch.length;
      batch.push({ type: 'Step', payload: { value: `root${d}` } });
      batch.push({ type: 'Step', payload: { value: `left${d}` }, dependsOn: [root] });
      batch.push({ type: 'Step', payload: { value: `right${d}` }, dependsOn: [root] });
      batch.push({ type: 'Step', payload: { value: `join${d}` }, dependsOn: [root + 1, root + 2, root] });
    }
    batch.push({ type: 'Step', payload: { value: 'final' }, dependsOn: [3, 7, 79] });
    const { accepted } = await a.enqueueBatch(batch);
    expect(accepted).toHaveLength(batch.length);
    expect(accepted[0]!.status).toBe('queued');
    expect(accepted[1]!.status).toBe('blocked');
    await setup.waitForFinished(batch.length);

    for (const task of accepted) {
      expect(recorded.starts.get(task.id), `starts of task ${task.index}`).toBe(1);
      expect(await statusOf(a, task.id)).toBe('succeeded');
      for (const status of recorded.parentStatusesAtStart.get(task.id) ?? [])
        expect(status).toBe('succeeded');
    }
    const id = (index: number) => accepted[index]!.id;
    expect(recorded.parentsSeen.get(id(3))).toEqual({
      [id(0)]: 'root0',
      [id(1)]: 'left0',
      [id(2)]: 'right0',
    });
    expect(recorded.parentsSeen.get(id(80))).toEqual({
      [id(3)]: 'join0',
      [id(7)]: 'join1',
      [id(79)]: 'join19',
    });
    expect(recorded.parentsSeen.get(id(0))).toBeUndefined();
    // Both nodes took part, so releases crossed nodes.
    const { rows } = await setup.db.pool.query<{ n: number }>(
      `select count(distinct node_id)::int as n from task_events where to_status = 'running'`,
    );
    expect(rows[0]!.n).toBe(2);
    // The history shows each child's wait.
    const history = await a.getTaskHistory(id(3));
    expect(history.map((entry) => entry.toStatus)).toEqual(['blocked', 'queued', 'running', 'succeeded']);
    void b;
  });

  it('starts a released child without waiting for a poll', async () => {
    const recorded = workflowHandlers(() => setup);
    setup = await setupEngines({ handlers: recorded.handlers, config: { queue: { pollInterval: 600_000 } } });
    const engine = await setup.startEngine();
    const { accepted } = await engine.enqueueBatch([
      { type: 'Step', payload: { value: 1 } },
      { type: 'Step', dependsOn: [0] },
      { type: 'Step', dependsOn: [1] },
    ]);
    await setup.waitForFinished(3, 10_000);
    expect(await statusOf(engine, accepted[2]!.id)).toBe('succeeded');
  });

  it('cancels dependents transitively when a parent dies, unless a child says onParentFailure "run"', async () => {
    const recorded = workflowHandlers(() => setup);
    setup = await setupEngines({ handlers: recorded.handlers });
    const engine = await setup.startEngine();
    await setup.startEngine();
    const { accepted } = await engine.enqueueBatch([
      { type: 'Step', payload: { fail: true } }, // 0 dies
      { type: 'Step', payload: { value: 'ok' } }, // 1 succeeds
      { type: 'Step', dependsOn: [0] }, // 2 cancelled
      { type: 'Step', dependsOn: [2] }, // 3 cancelled, transitively
      { type: 'Step', dependsOn: [0, 1], onParentFailure: 'run' }, // 4 runs with {1: 'ok'}
      { type: 'Step', dependsOn: [3], onParentFailure: 'run' }, // 5 runs after 3's cancel
      { type: 'Step', dependsOn: [4] }, // 6 runs after 4 succeeded
    ]);
    const id = (index: number) => accepted[index]!.id;
    await setup.waitForFinished(7);
    expect(await statusOf(engine, id(0))).toBe('dead');
    for (const index of [2, 3]) {
      expect(recorded.starts.has(id(index))).toBe(false);
      expect(await statusOf(engine, id(index))).toBe('cancelled');
    }
    const cancelled = await engine.getTask(id(2));
    expect(cancelled?.error).toBe(`parent ${id(0)} dead`);
    const history = await engine.getTaskHistory(id(3));
    expect(history.at(-1)).toMatchObject({
      fromStatus: 'blocked',
      toStatus: 'cancelled',
      error: `parent ${id(2)} cancelled`,
    });
    expect(await statusOf(engine, id(4))).toBe('succeeded');
    expect(recorded.parentsSeen.get(id(4))).toEqual({ [id(1)]: 'ok' });
    expect(await statusOf(engine, id(5))).toBe('succeeded');
    expect(recorded.parentsSeen.get(id(5))).toEqual({});
    expect(await statusOf(engine, id(6))).toBe('succeeded');
  });

  it('resolves a dependency on a task that already ended at enqueue', async () => {
    const recorded = workflowHandlers(() => setup);
    setup = await setupEngines({ handlers: recorded.handlers });
    const engine = await setup.startEngine();
    const first = await engine.enqueueBatch([
      { type: 'Step', payload: { value: 'done' } },
      { type: 'Step', payload: { fail: true } },
    ]);
    await setup.waitForFinished(2);
    const [succeeded, dead] = first.accepted.map((task) => task.id) as [string, string];
    const second = await engine.enqueueBatch([
      { type: 'Step', dependsOn: [succeeded] },
      { type: 'Step', dependsOn: [dead] },
      { type: 'Step', dependsOn: [dead, succeeded], onParentFailure: 'run' },
      { type: 'Step', dependsOn: [1] },
    ]);
    expect(second.accepted.map((task) => task.status)).toEqual([
      'queued',
      'cancelled',
      'queued',
      'cancelled',
    ]);
    await setup.waitForFinished(6);
    expect(recorded.parentsSeen.get(second.accepted[0]!.id)).toEqual({ [succeeded]: 'done' });
    expect((await engine.getTask(second.accepted[3]!.id))?.error).toBe(
      `parent ${second.accepted[1]!.id} cancelled`,
    );
  });

  it('retry: cancelled children stay cancelled; a retried child waits for its retried parent', async () => {
    let failParent = true;
    const starts: string[] = [];
    setup = await setupEngines({
      handlers: [
        defineHandler({
          type: 'Flaky',
          payloadSchema: z.object({}),
          run(_payload, ctx) {
            starts.push(ctx.taskId);
            if (failParent) throw new PermanentError('not yet');
            return 'fixed';
          },
        }),
        defineHandler({
          type: 'Child',
          payloadSchema: z.object({}),
          run: (_payload, ctx) => ctx.parents,
        }),
      ],
    });
    const engine = await setup.startEngine();
    const { accepted } = await engine.enqueueBatch([{ type: 'Flaky' }, { type: 'Child', dependsOn: [0] }]);
    const [parent, child] = accepted.map((task) => task.id) as [string, string];
    await setup.waitForFinished(2);
    expect(await statusOf(engine, child)).toBe('cancelled');

    // The parent is still dead: retrying the child is refused with the reason, and changes nothing.
    await expect(engine.retryTask(child, operator)).rejects.toMatchObject({
      code: 'invalid_state',
      message: expect.stringContaining(`parent ${parent} dead`),
    });
    expect(await statusOf(engine, child)).toBe('cancelled');

    failParent = false;
    await engine.retryTask(parent, operator);
    // Its cancelled child stays cancelled until it is retried itself; then it waits for the parent.
    const retried = await engine.retryTask(child, operator);
    expect(['blocked', 'queued']).toContain(retried.status);
    await setup.waitForFinished(2);
    const done = await engine.getTask(child);
    expect(done).toMatchObject({ status: 'succeeded', result: { [parent]: 'fixed' } });
  });

  it('an operator cancel of a blocked task cancels its dependents too', async () => {
    setup = await setupEngines({
      handlers: [defineHandler({ type: 'Noop', payloadSchema: z.object({}), run: () => null })],
    });
    const engine = await setup.startEngine({ processTasks: false });
    const { accepted } = await engine.enqueueBatch([
      { type: 'Noop' },
      { type: 'Noop', dependsOn: [0] },
      { type: 'Noop', dependsOn: [1] },
    ]);
    const [, middle, last] = accepted.map((task) => task.id) as [string, string, string];
    expect(await engine.explainWait(middle)).toEqual({
      reason: 'parents',
      parents: [{ id: accepted[0]!.id, status: 'queued' }],
    });
    await engine.cancelTask(middle, operator);
    expect(await engine.getTask(last)).toMatchObject({
      status: 'cancelled',
      error: `parent ${middle} cancelled`,
    });
    const [queue] = await engine.listQueues({ fresh: true });
    expect(queue?.counts).toMatchObject({ queued: 1, blocked: 0, cancelled: 2 });
  });
});
