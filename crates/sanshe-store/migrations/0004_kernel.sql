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
-- Duplicates saved by the race this closes keep their data: every copy after the first gets
-- its id appended to its name, so it can be found and merged by hand.
UPDATE facilities SET name = name || ' #' || CAST(id AS TEXT) WHERE id NOT IN
    (SELECT MIN(id) FROM facilities GROUP BY area_code, name);
UPDATE posts SET title = title || ' #' || CAST(id AS TEXT) WHERE id NOT IN
    (SELECT MIN(id) FROM posts GROUP BY area_code, title);
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

-- The State Council's schedules for 2025 and 2026 (国务院办公厅关于2025年、2026年部分节假日安排的通知);
-- the district administrator adds later years on the calendar page, by API or CSV.
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-01-01', 'holiday', '元旦', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-01-26', 'workday', '春节调休上班', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-01-28', 'holiday', '春节', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-01-29', 'holiday', '春节', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-01-30', 'holiday', '春节', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-01-31', 'holiday', '春节', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-02-01', 'holiday', '春节', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-02-02', 'holiday', '春节', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-02-03', 'holiday', '春节', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-02-04', 'holiday', '春节', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-02-08', 'workday', '春节调休上班', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-04-04', 'holiday', '清明节', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-04-05', 'holiday', '清明节', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-04-06', 'holiday', '清明节', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-04-27', 'workday', '劳动节调休上班', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-05-01', 'holiday', '劳动节', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-05-02', 'holiday', '劳动节', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-05-03', 'holiday', '劳动节', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-05-04', 'holiday', '劳动节', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-05-05', 'holiday', '劳动节', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-05-31', 'holiday', '端午节', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-06-01', 'holiday', '端午节', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-06-02', 'holiday', '端午节', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-09-28', 'workday', '国庆节调休上班', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-10-01', 'holiday', '国庆节、中秋节', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-10-02', 'holiday', '国庆节、中秋节', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-10-03', 'holiday', '国庆节、中秋节', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-10-04', 'holiday', '国庆节、中秋节', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-10-05', 'holiday', '国庆节、中秋节', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-10-06', 'holiday', '国庆节、中秋节', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-10-07', 'holiday', '国庆节、中秋节', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-10-08', 'holiday', '国庆节、中秋节', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2025-10-11', 'workday', '国庆节调休上班', '国务院办公厅关于2025年部分节假日安排的通知(2024-11-12)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-01-01', 'holiday', '元旦', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-01-02', 'holiday', '元旦', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-01-03', 'holiday', '元旦', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-01-04', 'workday', '元旦调休上班', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-02-14', 'workday', '春节调休上班', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-02-15', 'holiday', '春节', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-02-16', 'holiday', '春节', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-02-17', 'holiday', '春节', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-02-18', 'holiday', '春节', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-02-19', 'holiday', '春节', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-02-20', 'holiday', '春节', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-02-21', 'holiday', '春节', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-02-22', 'holiday', '春节', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-02-23', 'holiday', '春节', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-02-28', 'workday', '春节调休上班', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-04-04', 'holiday', '清明节', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-04-05', 'holiday', '清明节', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-04-06', 'holiday', '清明节', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-05-01', 'holiday', '劳动节', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-05-02', 'holiday', '劳动节', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-05-03', 'holiday', '劳动节', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-05-04', 'holiday', '劳动节', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-05-05', 'holiday', '劳动节', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-05-09', 'workday', '劳动节调休上班', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-06-19', 'holiday', '端午节', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-06-20', 'holiday', '端午节', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-06-21', 'holiday', '端午节', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-09-20', 'workday', '国庆节调休上班', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-09-25', 'holiday', '中秋节', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-09-26', 'holiday', '中秋节', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-09-27', 'holiday', '中秋节', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-10-01', 'holiday', '国庆节', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-10-02', 'holiday', '国庆节', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-10-03', 'holiday', '国庆节', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-10-04', 'holiday', '国庆节', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-10-05', 'holiday', '国庆节', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-10-06', 'holiday', '国庆节', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-10-07', 'holiday', '国庆节', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ('2026-10-10', 'workday', '国庆节调休上班', '国务院办公厅关于2026年部分节假日安排的通知(2025-11-04)', 0);
