-- The changes the dependency trigger makes (a child released from blocked when its last parent
-- succeeded, a child cancelled because a parent died or was cancelled) reach the event stream like
-- the engine's own: pgtask_settle_dependents hands each level's changes to
-- pgtask_publish_task_changes, which sends them on the channel the nodes' event relays already
-- LISTEN on (pgtask_events), in the relay's wire format (see src/engine/event-relay.ts) with
-- relay and node id "database". The NOTIFY is delivered when the transaction that ended the parent
-- commits, and not at all when it rolls back, as the change itself. Tasks without dependents
-- never get here (the trigger's WHEN clause), so plain work pays nothing.
--
-- As a relay window does: chunks of at most 20 events (cascade errors are short, queue names at
-- most 64 characters: well under the 8000-byte NOTIFY limit), each with its own counts; past
-- 300 events one more chunk carries only the counts of the rest (`o`, omitted). A chunk that would
-- still be too long is dropped rather than failing the transaction that ended the parent: the
-- stream is best-effort, the history rows are the record.
CREATE OR REPLACE FUNCTION pgtask_publish_task_changes(changes jsonb) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  total int := jsonb_array_length(changes);
  at_ms bigint := floor(extract(epoch from clock_timestamp()) * 1000);
  sent int;
BEGIN
  IF total = 0 THEN
    RETURN 0;
  END IF;
  WITH numbered AS (
    -- Each change: [kind, task id, queue, type, priority, attempt, error].
    SELECT e.change, e.n, CASE WHEN e.n <= 300 THEN (e.n - 1) / 20 ELSE -1 END AS part
    FROM jsonb_array_elements(changes) WITH ORDINALITY AS e(change, n)
  ),
  per_kind AS (
    SELECT part, change->>2 AS queue, change->>0 AS kind, count(*) AS n FROM numbered GROUP BY 1, 2, 3
  ),
  per_queue AS (
    SELECT part, queue, jsonb_object_agg(kind, n) AS kinds FROM per_kind GROUP BY part, queue
  ),
  counts AS (
    SELECT part, jsonb_object_agg(queue, kinds) AS counts FROM per_queue GROUP BY part
  ),
  listed AS (
    SELECT part, jsonb_agg(jsonb_build_array(change->0, change->1, change->2, change->3, change->4,
                                             change->5, at_ms, change->6) ORDER BY n) AS events
    FROM numbered WHERE part >= 0 GROUP BY part
  ),
  chunks AS (
    SELECT jsonb_build_object('r', 'database', 'n', 'database', 's', 0, 'c', c.counts,
                              'o', CASE WHEN c.part < 0 THEN total - 300 ELSE 0 END,
                              'e', coalesce(l.events, '[]'::jsonb))::text AS chunk
    FROM counts c LEFT JOIN listed l USING (part)
  )
  SELECT count(*) INTO sent
  FROM (SELECT pg_notify('pgtask_events', chunk) FROM chunks WHERE octet_length(chunk) < 8000) s;
  RETURN sent;
END $$;
--> statement-breakpoint
-- As in 0010_task_dependency_triggers, plus the `published` step and the columns it needs.
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
      RETURNING c.id, c.status, c.queue, c.type, c.priority, c.attempts, c.error, c.has_dependents
    ),
    events AS (
      INSERT INTO task_events (task_id, from_status, to_status, attempt, error)
      SELECT id, 'blocked', status, 0, error FROM changed WHERE status <> 'blocked'
    ),
    notified AS (
      SELECT pg_notify('pgtask_enqueue', queue)
      FROM (SELECT DISTINCT queue FROM changed WHERE status = 'queued') q
    ),
    published AS (
      SELECT pgtask_publish_task_changes(coalesce(
        jsonb_agg(jsonb_build_array(CASE WHEN status = 'queued' THEN 'released' ELSE status END,
                                    id, queue, type, priority, attempts, error) ORDER BY id)
          FILTER (WHERE status <> 'blocked'),
        '[]')) AS sent
      FROM changed
    )
    SELECT coalesce(array_agg(id) FILTER (WHERE status = 'cancelled' AND has_dependents), '{}')
    INTO by_parent
    FROM changed, (SELECT count(*) FROM notified) n, published p;
    by_child := '{}';
  END LOOP;
  PERFORM set_config('pgtask.settling_dependents', 'off', true);
END $$;
