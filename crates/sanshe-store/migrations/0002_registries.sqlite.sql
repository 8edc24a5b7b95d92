-- The fund ledger is append-only: corrections are new entries.
CREATE TRIGGER fund_entries_no_update BEFORE UPDATE ON fund_entries
BEGIN SELECT RAISE(ABORT, 'fund_entries is append-only'); END;
CREATE TRIGGER fund_entries_no_delete BEFORE DELETE ON fund_entries
BEGIN SELECT RAISE(ABORT, 'fund_entries is append-only'); END;
