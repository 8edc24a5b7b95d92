-- Indexes for national scale: every target query filters by an equality (level, kind)
-- *and* a code-prefix range. With single-column indexes on the equality the planner may
-- walk every community (or foundation) in the country for one community's dashboard;
-- the composite indexes serve both the equality and the range.
DROP INDEX areas_level_idx;
CREATE INDEX areas_level_code_idx ON areas(level, code);
DROP INDEX organizations_kind_idx;
CREATE INDEX organizations_kind_area_idx ON organizations(kind, area_code);
