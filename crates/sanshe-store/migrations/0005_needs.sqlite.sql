-- Workflow history is append-only.
CREATE TRIGGER workflow_history_no_update BEFORE UPDATE ON workflow_history
BEGIN SELECT RAISE(ABORT, 'workflow_history is append-only'); END;
CREATE TRIGGER workflow_history_no_delete BEFORE DELETE ON workflow_history
BEGIN SELECT RAISE(ABORT, 'workflow_history is append-only'); END;
