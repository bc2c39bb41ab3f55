-- Workflows enqueued inside a caller's transaction (enqueue with `client`). Attaching a child locks
-- its parents (FOR SHARE, then has_dependents): taken at enqueue, those locks would last as long
-- as the caller's transaction stays open, and a parent that waits or runs could be neither claimed
-- (SKIP LOCKED passes it by) nor have its outcome written (the node's whole outcome batch would
-- wait). So such an enqueue stores its edges with attach_at_commit and touches no existing task;
-- this deferred constraint trigger attaches the children at COMMIT, inside the caller's
-- transaction, where the locks last only as long as the commit. A parent that ended meanwhile is
-- seen then (each statement here reads what is committed) and counts at once; one that ends later
-- finds has_dependents set and fires the dependency trigger. Rolled back, nothing happens at all.
--
-- The first edge's call attaches every waiting child of the transaction in one go (parents locked
-- in one id-ordered statement, as at a plain enqueue); the other edges' calls find nothing left.
-- A parent named by id that was deleted (retention) before the commit fails the commit: the child
-- could never be released.
CREATE OR REPLACE FUNCTION pgtask_attach_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  children uuid[];
  missing uuid;
BEGIN
  WITH taken AS (
    UPDATE task_dependencies SET attach_at_commit = false WHERE attach_at_commit RETURNING child_id
  )
  SELECT array_agg(DISTINCT child_id) INTO children FROM taken;
  IF children IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM pgtask_attach_children(children);
  SELECT d.parent_id INTO missing FROM task_dependencies d
  WHERE d.child_id = any(children) AND NOT EXISTS (SELECT 1 FROM tasks p WHERE p.id = d.parent_id)
  LIMIT 1;
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'pgtask: parent task % no longer exists; nothing of this transaction was stored', missing
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER task_dependencies_attach_at_commit AFTER INSERT ON task_dependencies
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW
  WHEN (NEW.attach_at_commit)
  EXECUTE FUNCTION pgtask_attach_at_commit();
