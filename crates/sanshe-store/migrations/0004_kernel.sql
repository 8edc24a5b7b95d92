-- The workflow kernel's foundations: a tamper-evident audit chain, atomic fund balances,
-- uniqueness kept by the database, and the working-day calendar.

-- Each audit entry carries SM3(previous entry's hash || its own canonical content),
-- computed by the unit of work that writes it. Entries written before this migration
-- have no hash; the chain starts at the first entry that has one.
ALTER TABLE audit_log ADD COLUMN hash TEXT;

-- A foundation's balance lives on the organization and changes by one atomic update
-- (`SET fund_balance_fen = fund_balance_fen + d WHERE … AND fund_balance_fen + d >= 0`),
-- which also orders concurrent ledger entries: two grants can never both spend the same
-- money, and each entry's running balance is the balance after it.
ALTER TABLE organizations ADD COLUMN fund_balance_fen BIGINT NOT NULL DEFAULT 0;
UPDATE organizations SET fund_balance_fen = COALESCE(
    (SELECT f.balance_fen FROM fund_entries f WHERE f.org_id = organizations.id
     ORDER BY f.id DESC LIMIT 1), 0);

-- Keys the application treats as unique are unique in the database, so two simultaneous
-- saves cannot both write (organizations' credit code and filing number, workers' ID
-- blind index and organization names were already unique).
CREATE UNIQUE INDEX facilities_area_name_idx ON facilities(area_code, name);
CREATE UNIQUE INDEX posts_area_title_idx ON posts(area_code, title);

-- Public holidays and adjusted working days (调休): a date listed here overrides the
-- weekday rule. kind = 'holiday' (a weekday off) or 'workday' (a weekend day worked).
CREATE TABLE calendar_days (
    day TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL
);
