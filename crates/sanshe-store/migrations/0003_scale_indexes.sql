-- Indexes for national scale: every target query filters by an equality (level, kind)
-- *and* a code-prefix range. With single-column indexes on the equality the planner may
-- walk every community (or foundation) in the country for one community's dashboard;
-- the composite indexes serve both the equality and the range.
DROP INDEX areas_level_idx;
CREATE INDEX areas_level_code_idx ON areas(level, code);
DROP INDEX organizations_kind_idx;
CREATE INDEX organizations_kind_area_idx ON organizations(kind, area_code);

-- A certification subsidy is counted where it was paid: the worker's area at the time,
-- kept on the subsidy (a later move does not change a past year's spending), and its own
-- index so counting a subtree's subsidies never joins through every worker.
ALTER TABLE worker_subsidies ADD COLUMN area_code TEXT;
UPDATE worker_subsidies SET area_code =
    (SELECT w.area_code FROM social_workers w WHERE w.id = worker_subsidies.worker_id);
CREATE INDEX worker_subsidies_area_idx ON worker_subsidies(area_code);

-- CPD hours are recorded once per person, date and training: a sheet imported twice, or a
-- form submitted twice, must not count the hours twice. Exact repeats recorded before this
-- rule (possible only in generated demo data) are dropped first, keeping the earliest.
DELETE FROM cpd_entries WHERE id NOT IN
    (SELECT MIN(id) FROM cpd_entries GROUP BY worker_id, entry_date, topic);
CREATE UNIQUE INDEX cpd_entries_once_idx ON cpd_entries(worker_id, entry_date, topic);
