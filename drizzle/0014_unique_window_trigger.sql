-- Unique windows (uniqueFor): when a task with a window ends, succeeded or dead, its key stays
-- taken until now() + the window (the database clock, like every "is it due" decision); a
-- cancelled task, or one waiting or running again after a manual retry, holds none. Set in a
-- BEFORE trigger so every way a task ends (outcome batches, HTTP workers, rescues, cancels,
-- dependency cascades) agrees; the WHEN clause keeps tasks without a window out of PL/pgSQL.
CREATE OR REPLACE FUNCTION pgtask_unique_window() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.key_held_until := CASE WHEN NEW.status IN ('succeeded', 'dead')
                             THEN now() + NEW.unique_for_ms * interval '1 millisecond' END;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER tasks_unique_window BEFORE UPDATE OF status ON tasks
  FOR EACH ROW
  WHEN (NEW.unique_for_ms IS NOT NULL AND OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION pgtask_unique_window();
