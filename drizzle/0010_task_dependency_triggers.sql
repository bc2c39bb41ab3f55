-- Workflows (dependsOn): a child waits in status 'blocked' with pending_parents = its unresolved
-- edges. Every way a parent ends (a node's outcome batch, an HTTP worker's completion, a rescue,
-- an operator's cancel) runs through the trigger below, in the transaction that ended it, so a
-- child is released or cancelled exactly when its parents' outcomes commit.
--
-- pgtask_settle_dependents resolves the unresolved edges whose parent has ended, picked by parent
-- (a parent just ended) or by child (a child was just enqueued or retried): a succeeded parent,
-- or any ended parent for onParentFailure 'run', lowers the child's pending_parents; a dead or
-- cancelled parent cancels an onParentFailure 'cancel' child. Children cancelled that way have
-- children of their own: the loop walks the graph level by level instead of recursing through
-- the trigger, so a long chain cannot exhaust the stack. The decrement runs against the child's
-- row (locked, re-read under concurrency), so two parents ending at once on two nodes both count.
CREATE OR REPLACE FUNCTION pgtask_settle_dependents(parents uuid[], children uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  by_parent uuid[] := coalesce(parents, '{}');
  by_child uuid[] := coalesce(children, '{}');
BEGIN
  PERFORM set_config('pgtask.settling_dependents', 'on', true);
  WHILE cardinality(by_parent) > 0 OR cardinality(by_child) > 0 LOOP
    WITH resolved AS (
      UPDATE task_dependencies d SET resolved = true
      FROM tasks p
      WHERE p.id = d.parent_id AND NOT d.resolved
        AND (d.parent_id = any(by_parent) OR d.child_id = any(by_child))
        AND p.status IN ('succeeded', 'dead', 'cancelled')
      RETURNING d.child_id, d.parent_id, p.status AS parent_status
    ),
    per_child AS (
      SELECT child_id, count(*)::int AS n,
             (array_agg('parent ' || parent_id || ' ' || parent_status ORDER BY parent_id)
                FILTER (WHERE parent_status <> 'succeeded'))[1] AS failure
      FROM resolved GROUP BY child_id
    ),
    changed AS (
      UPDATE tasks c SET
        pending_parents = c.pending_parents - pc.n,
        status = CASE WHEN pc.failure IS NOT NULL AND c.on_parent_failure = 'cancel' THEN 'cancelled'
                      WHEN c.pending_parents - pc.n <= 0 THEN 'queued' ELSE 'blocked' END,
        finished_at = CASE WHEN pc.failure IS NOT NULL AND c.on_parent_failure = 'cancel' THEN now() END,
        error = CASE WHEN pc.failure IS NOT NULL AND c.on_parent_failure = 'cancel' THEN pc.failure END,
        -- Released work lines up behind what is already due, unless it was scheduled later.
        run_at = CASE WHEN c.pending_parents - pc.n <= 0 THEN greatest(c.run_at, now()) ELSE c.run_at END
      FROM per_child pc
      WHERE c.id = pc.child_id AND c.status = 'blocked'
      RETURNING c.id, c.status, c.queue, c.error, c.has_dependents
    ),
    events AS (
      INSERT INTO task_events (task_id, from_status, to_status, attempt, error)
      SELECT id, 'blocked', status, 0, error FROM changed WHERE status <> 'blocked'
    ),
    notified AS (
      SELECT pg_notify('pgtask_enqueue', queue)
      FROM (SELECT DISTINCT queue FROM changed WHERE status = 'queued') q
    )
    SELECT coalesce(array_agg(id) FILTER (WHERE status = 'cancelled' AND has_dependents), '{}')
    INTO by_parent
    FROM changed, (SELECT count(*) FROM notified) n;
    by_child := '{}';
  END LOOP;
  PERFORM set_config('pgtask.settling_dependents', 'off', true);
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION pgtask_parent_ended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- The settle loop's own cancellations: it walks their children itself.
  IF current_setting('pgtask.settling_dependents', true) = 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM pgtask_settle_dependents(ARRAY[NEW.id], '{}');
  RETURN NULL;
END $$;
--> statement-breakpoint
-- The WHEN clause is checked in C for every updated row: tasks nobody depends on (the hot path)
-- never call into PL/pgSQL.
CREATE TRIGGER tasks_parent_ended AFTER UPDATE OF status ON tasks
  FOR EACH ROW
  WHEN (NEW.has_dependents AND NEW.status IN ('succeeded', 'dead', 'cancelled') AND OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION pgtask_parent_ended();
--> statement-breakpoint
-- Children just enqueued (or retried): lock their parents so none can end between this read and
-- the commit (one that ended while we waited is visible to the next statement), mark them as
-- having dependents so their end fires the trigger, then resolve what is already decided.
CREATE OR REPLACE FUNCTION pgtask_attach_children(children uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM tasks
  WHERE id IN (SELECT parent_id FROM task_dependencies WHERE child_id = any(children))
  ORDER BY id FOR SHARE;
  UPDATE tasks SET has_dependents = true
  WHERE id IN (SELECT parent_id FROM task_dependencies WHERE child_id = any(children)) AND NOT has_dependents;
  -- Two entries of dependsOn may name one task (a deduplicated parent is the task holding its key).
  UPDATE tasks c SET pending_parents = (SELECT count(*) FROM task_dependencies d WHERE d.child_id = c.id)
  WHERE c.id = any(children) AND c.status = 'blocked';
  PERFORM pgtask_settle_dependents('{}', children);
END $$;
