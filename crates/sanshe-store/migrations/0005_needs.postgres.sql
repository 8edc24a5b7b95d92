-- Workflow history is append-only.
CREATE FUNCTION workflow_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'workflow_history is append-only';
END
$$;
CREATE TRIGGER workflow_history_no_update BEFORE UPDATE OR DELETE ON workflow_history
    FOR EACH ROW EXECUTE FUNCTION workflow_history_append_only();
CREATE TRIGGER workflow_history_no_truncate BEFORE TRUNCATE ON workflow_history
    FOR EACH STATEMENT EXECUTE FUNCTION workflow_history_append_only();
