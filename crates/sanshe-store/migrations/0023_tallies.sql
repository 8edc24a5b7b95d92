-- Maintained roll-ups of the policy-target counts (issue: performance at every scale).
--
-- `target_tallies` holds, per district ("unit", the first six digits of an area code) and per
-- set of counting parameters ("tkey": population year and the profile's area and hours
-- goals), the counts of every nine-digit code prefix below it, split into the rural (part 0)
-- and urban (part 1) community counters and the street-level counters (part 2). A city's,
-- province's or the nation's figures are sums of these rows grouped by a shorter prefix.
--
-- A unit's tallies are valid for a key while `tally_units` has its row and `tally_stale`
-- has none for it. Every write to a table the counts read marks its unit stale (triggers,
-- so no write path can forget); reading never trusts a stale unit (it counts that district
-- live), and a refresh recomputes stale units, then clears their marks and the other keys'
-- markers in the same transaction.
CREATE TABLE tally_stale (
    unit TEXT NOT NULL
);
CREATE INDEX tally_stale_unit_idx ON tally_stale(unit);

CREATE TABLE tally_units (
    unit TEXT NOT NULL,
    tkey TEXT NOT NULL,
    refreshed_at BIGINT NOT NULL,
    PRIMARY KEY (unit, tkey)
);

CREATE TABLE target_tallies (
    tkey TEXT NOT NULL,
    grp TEXT NOT NULL,
    part BIGINT NOT NULL,
    unit TEXT NOT NULL,
    v1 BIGINT NOT NULL, v2 BIGINT NOT NULL, v3 BIGINT NOT NULL, v4 BIGINT NOT NULL,
    v5 BIGINT NOT NULL, v6 BIGINT NOT NULL, v7 BIGINT NOT NULL, v8 BIGINT NOT NULL,
    v9 BIGINT NOT NULL, v10 BIGINT NOT NULL, v11 BIGINT NOT NULL, v12 BIGINT NOT NULL,
    PRIMARY KEY (tkey, grp, part)
);
CREATE INDEX target_tallies_unit_idx ON target_tallies(tkey, unit);

-- Organizations on the blacklist today are taken off the maintained counts when read
-- (a listing ends with the date, not with a write): this index finds them by date.
CREATE INDEX organizations_blacklisted_idx ON organizations(blacklisted_until)
    WHERE blacklisted_until IS NOT NULL AND blacklisted_until <> '';
