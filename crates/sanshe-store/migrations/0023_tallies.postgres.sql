-- PostgreSQL: every write to a counted table marks its district's tallies stale, holding a
-- shared advisory lock until it commits; a refresh takes the same lock exclusively, so it
-- never reads around a write still in flight (whose mark it would then clear).
CREATE FUNCTION tally_mark(u TEXT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF u IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tally_stale WHERE unit = u) THEN
        INSERT INTO tally_stale (unit) VALUES (u);
    END IF;
END
$$;
CREATE FUNCTION tally_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(7262003);
    IF TG_OP <> 'INSERT' THEN
        PERFORM tally_mark(SUBSTR(to_jsonb(OLD) ->> TG_ARGV[0], 1, 6));
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM tally_mark(SUBSTR(to_jsonb(NEW) ->> TG_ARGV[0], 1, 6));
    END IF;
    RETURN NULL;
END
$$;
-- Inserts and deletes mark once per statement (an import writes many rows per statement).
CREATE FUNCTION tally_touch_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(7262003);
    EXECUTE format('INSERT INTO tally_stale (unit) SELECT DISTINCT SUBSTR(x.c, 1, 6) '
        'FROM (SELECT %I AS c FROM changed) x WHERE x.c IS NOT NULL AND NOT EXISTS '
        '(SELECT 1 FROM tally_stale s WHERE s.unit = SUBSTR(x.c, 1, 6))', TG_ARGV[0]);
    RETURN NULL;
END
$$;
-- A worker's status and certificate count on the posts it holds, wherever they are.
CREATE FUNCTION tally_touch_holder() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE u TEXT;
BEGIN
    PERFORM pg_advisory_xact_lock_shared(7262003);
    FOR u IN SELECT DISTINCT SUBSTR(area_code, 1, 6) FROM posts
        WHERE holder_id = (CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END) LOOP
        PERFORM tally_mark(u);
    END LOOP;
    RETURN NULL;
END
$$;
CREATE TRIGGER areas_tally_ins AFTER INSERT ON areas REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION tally_touch_rows('code');
CREATE TRIGGER areas_tally_del AFTER DELETE ON areas REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION tally_touch_rows('code');
CREATE TRIGGER areas_tally AFTER UPDATE OF code, level, urban ON areas
    FOR EACH ROW EXECUTE FUNCTION tally_touch('code');
CREATE TRIGGER area_populations_tally_ins AFTER INSERT ON area_populations REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION tally_touch_rows('area_code');
CREATE TRIGGER area_populations_tally_del AFTER DELETE ON area_populations REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION tally_touch_rows('area_code');
CREATE TRIGGER area_populations_tally AFTER UPDATE OF area_code, year, residents ON area_populations
    FOR EACH ROW EXECUTE FUNCTION tally_touch('area_code');
CREATE TRIGGER facilities_tally_ins AFTER INSERT ON facilities REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION tally_touch_rows('area_code');
CREATE TRIGGER facilities_tally_del AFTER DELETE ON facilities REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION tally_touch_rows('area_code');
CREATE TRIGGER facilities_tally AFTER UPDATE OF area_code, status, kind, area_m2_centi, open_profile ON facilities
    FOR EACH ROW EXECUTE FUNCTION tally_touch('area_code');
CREATE TRIGGER organizations_tally_ins AFTER INSERT ON organizations REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION tally_touch_rows('area_code');
CREATE TRIGGER organizations_tally_del AFTER DELETE ON organizations REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION tally_touch_rows('area_code');
CREATE TRIGGER organizations_tally AFTER UPDATE OF area_code, community_org, status, kind ON organizations
    FOR EACH ROW EXECUTE FUNCTION tally_touch('area_code');
CREATE TRIGGER posts_tally_ins AFTER INSERT ON posts REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION tally_touch_rows('area_code');
CREATE TRIGGER posts_tally_del AFTER DELETE ON posts REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION tally_touch_rows('area_code');
CREATE TRIGGER posts_tally AFTER UPDATE OF area_code, professional, committee, holder_id ON posts
    FOR EACH ROW EXECUTE FUNCTION tally_touch('area_code');
CREATE TRIGGER social_workers_tally_ins AFTER INSERT ON social_workers REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION tally_touch_rows('area_code');
CREATE TRIGGER social_workers_tally_del AFTER DELETE ON social_workers REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION tally_touch_rows('area_code');
CREATE TRIGGER social_workers_tally AFTER UPDATE OF area_code, status, cert_level ON social_workers
    FOR EACH ROW EXECUTE FUNCTION tally_touch('area_code');
CREATE TRIGGER incubation_bases_tally_ins AFTER INSERT ON incubation_bases REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION tally_touch_rows('area_code');
CREATE TRIGGER incubation_bases_tally_del AFTER DELETE ON incubation_bases REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION tally_touch_rows('area_code');
CREATE TRIGGER incubation_bases_tally AFTER UPDATE OF area_code ON incubation_bases
    FOR EACH ROW EXECUTE FUNCTION tally_touch('area_code');
CREATE TRIGGER federations_tally_ins AFTER INSERT ON federations REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION tally_touch_rows('area_code');
CREATE TRIGGER federations_tally_del AFTER DELETE ON federations REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION tally_touch_rows('area_code');
CREATE TRIGGER federations_tally AFTER UPDATE OF area_code ON federations
    FOR EACH ROW EXECUTE FUNCTION tally_touch('area_code');
CREATE TRIGGER worker_subsidies_tally_ins AFTER INSERT ON worker_subsidies REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION tally_touch_rows('area_code');
CREATE TRIGGER worker_subsidies_tally_del AFTER DELETE ON worker_subsidies REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION tally_touch_rows('area_code');
CREATE TRIGGER worker_subsidies_tally AFTER UPDATE OF area_code, amount_fen ON worker_subsidies
    FOR EACH ROW EXECUTE FUNCTION tally_touch('area_code');
CREATE TRIGGER social_workers_tally_held AFTER DELETE OR UPDATE OF status, cert_level ON social_workers
    FOR EACH ROW EXECUTE FUNCTION tally_touch_holder();
