-- The fund ledger is append-only: corrections are new entries.
CREATE FUNCTION fund_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'fund_entries is append-only';
END
$$;
CREATE TRIGGER fund_entries_no_update BEFORE UPDATE OR DELETE ON fund_entries
    FOR EACH ROW EXECUTE FUNCTION fund_entries_append_only();
