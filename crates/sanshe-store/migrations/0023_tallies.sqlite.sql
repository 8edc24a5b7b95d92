-- SQLite: every write to a counted table marks its district's tallies stale.
CREATE TRIGGER areas_tally_ins AFTER INSERT ON areas
BEGIN
    INSERT INTO tally_stale (unit) SELECT SUBSTR(NEW.code, 1, 6)
        WHERE NEW.code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(NEW.code, 1, 6));
END;
CREATE TRIGGER areas_tally_upd AFTER UPDATE OF code, level, urban ON areas
BEGIN
    INSERT INTO tally_stale (unit) SELECT SUBSTR(OLD.code, 1, 6)
        WHERE OLD.code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(OLD.code, 1, 6));
    INSERT INTO tally_stale (unit) SELECT SUBSTR(NEW.code, 1, 6)
        WHERE NEW.code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(NEW.code, 1, 6));
END;
CREATE TRIGGER areas_tally_del AFTER DELETE ON areas
BEGIN
    INSERT INTO tally_stale (unit) SELECT SUBSTR(OLD.code, 1, 6)
        WHERE OLD.code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(OLD.code, 1, 6));
END;
CREATE TRIGGER area_populations_tally_ins AFTER INSERT ON area_populations
BEGIN
    INSERT INTO tally_stale (unit) SELECT SUBSTR(NEW.area_code, 1, 6)
        WHERE NEW.area_code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(NEW.area_code, 1, 6));
END;
CREATE TRIGGER area_populations_tally_upd AFTER UPDATE OF area_code, year, residents ON area_populations
BEGIN
    INSERT INTO tally_stale (unit) SELECT SUBSTR(OLD.area_code, 1, 6)
        WHERE OLD.area_code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(OLD.area_code, 1, 6));
    INSERT INTO tally_stale (unit) SELECT SUBSTR(NEW.area_code, 1, 6)
        WHERE NEW.area_code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(NEW.area_code, 1, 6));
END;
CREATE TRIGGER area_populations_tally_del AFTER DELETE ON area_populations
BEGIN
    INSERT INTO tally_stale (unit) SELECT SUBSTR(OLD.area_code, 1, 6)
        WHERE OLD.area_code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(OLD.area_code, 1, 6));
END;
CREATE TRIGGER facilities_tally_ins AFTER INSERT ON facilities
BEGIN
    INSERT INTO tally_stale (unit) SELECT SUBSTR(NEW.area_code, 1, 6)
        WHERE NEW.area_code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(NEW.area_code, 1, 6));
END;
CREATE TRIGGER facilities_tally_upd AFTER UPDATE OF area_code, status, kind, area_m2_centi, open_profile ON facilities
BEGIN
    INSERT INTO tally_stale (unit) SELECT SUBSTR(OLD.area_code, 1, 6)
        WHERE OLD.area_code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(OLD.area_code, 1, 6));
    INSERT INTO tally_stale (unit) SELECT SUBSTR(NEW.area_code, 1, 6)
        WHERE NEW.area_code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(NEW.area_code, 1, 6));
END;
CREATE TRIGGER facilities_tally_del AFTER DELETE ON facilities
BEGIN
    INSERT INTO tally_stale (unit) SELECT SUBSTR(OLD.area_code, 1, 6)
        WHERE OLD.area_code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(OLD.area_code, 1, 6));
END;
CREATE TRIGGER organizations_tally_ins AFTER INSERT ON organizations
BEGIN
    INSERT INTO tally_stale (unit) SELECT SUBSTR(NEW.area_code, 1, 6)
        WHERE NEW.area_code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(NEW.area_code, 1, 6));
END;
CREATE TRIGGER organizations_tally_upd AFTER UPDATE OF area_code, community_org, status, kind ON organizations
BEGIN
    INSERT INTO tally_stale (unit) SELECT SUBSTR(OLD.area_code, 1, 6)
        WHERE OLD.area_code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(OLD.area_code, 1, 6));
    INSERT INTO tally_stale (unit) SELECT SUBSTR(NEW.area_code, 1, 6)
        WHERE NEW.area_code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(NEW.area_code, 1, 6));
END;
CREATE TRIGGER organizations_tally_del AFTER DELETE ON organizations
BEGIN
    INSERT INTO tally_stale (unit) SELECT SUBSTR(OLD.area_code, 1, 6)
        WHERE OLD.area_code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(OLD.area_code, 1, 6));
END;
CREATE TRIGGER posts_tally_ins AFTER INSERT ON posts
BEGIN
    INSERT INTO tally_stale (unit) SELECT SUBSTR(NEW.area_code, 1, 6)
        WHERE NEW.area_code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(NEW.area_code, 1, 6));
END;
CREATE TRIGGER posts_tally_upd AFTER UPDATE OF area_code, professional, committee, holder_id ON posts
BEGIN
    INSERT INTO tally_stale (unit) SELECT SUBSTR(OLD.area_code, 1, 6)
        WHERE OLD.area_code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(OLD.area_code, 1, 6));
    INSERT INTO tally_stale (unit) SELECT SUBSTR(NEW.area_code, 1, 6)
        WHERE NEW.area_code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(NEW.area_code, 1, 6));
END;
CREATE TRIGGER posts_tally_del AFTER DELETE ON posts
BEGIN
    INSERT INTO tally_stale (unit) SELECT SUBSTR(OLD.area_code, 1, 6)
        WHERE OLD.area_code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(OLD.area_code, 1, 6));
END;
CREATE TRIGGER social_workers_tally_ins AFTER INSERT ON social_workers
BEGIN
    INSERT INTO tally_stale (unit) SELECT SUBSTR(NEW.area_code, 1, 6)
        WHERE NEW.area_code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(NEW.area_code, 1, 6));
    INSERT INTO tally_stale (unit) SELECT DISTINCT SUBSTR(p.area_code, 1, 6) FROM posts p
        WHERE p.holder_id = NEW.id AND NOT EXISTS
        (SELECT 1 FROM tally_stale s WHERE s.unit = SUBSTR(p.area_code, 1, 6));
END;
CREATE TRIGGER social_workers_tally_upd AFTER UPDATE OF area_code, status, cert_level ON social_workers
BEGIN
    INSERT INTO tally_stale (unit) SELECT SUBSTR(OLD.area_code, 1, 6)
        WHERE OLD.area_code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(OLD.area_code, 1, 6));
    INSERT INTO tally_stale (unit) SELECT SUBSTR(NEW.area_code, 1, 6)
        WHERE NEW.area_code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(NEW.area_code, 1, 6));
    INSERT INTO tally_stale (unit) SELECT DISTINCT SUBSTR(p.area_code, 1, 6) FROM posts p
        WHERE p.holder_id = NEW.id AND NOT EXISTS
        (SELECT 1 FROM tally_stale s WHERE s.unit = SUBSTR(p.area_code, 1, 6));
END;
CREATE TRIGGER social_workers_tally_del AFTER DELETE ON social_workers
BEGIN
    INSERT INTO tally_stale (unit) SELECT SUBSTR(OLD.area_code, 1, 6)
        WHERE OLD.area_code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(OLD.area_code, 1, 6));
    INSERT INTO tally_stale (unit) SELECT DISTINCT SUBSTR(p.area_code, 1, 6) FROM posts p
        WHERE p.holder_id = OLD.id AND NOT EXISTS
        (SELECT 1 FROM tally_stale s WHERE s.unit = SUBSTR(p.area_code, 1, 6));
END;
CREATE TRIGGER incubation_bases_tally_ins AFTER INSERT ON incubation_bases
BEGIN
    INSERT INTO tally_stale (unit) SELECT SUBSTR(NEW.area_code, 1, 6)
        WHERE NEW.area_code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(NEW.area_code, 1, 6));
END;
CREATE TRIGGER incubation_bases_tally_upd AFTER UPDATE OF area_code ON incubation_bases
BEGIN
    INSERT INTO tally_stale (unit) SELECT SUBSTR(OLD.area_code, 1, 6)
        WHERE OLD.area_code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(OLD.area_code, 1, 6));
    INSERT INTO tally_stale (unit) SELECT SUBSTR(NEW.area_code, 1, 6)
        WHERE NEW.area_code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(NEW.area_code, 1, 6));
END;
CREATE TRIGGER incubation_bases_tally_del AFTER DELETE ON incubation_bases
BEGIN
    INSERT INTO tally_stale (unit) SELECT SUBSTR(OLD.area_code, 1, 6)
        WHERE OLD.area_code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(OLD.area_code, 1, 6));
END;
CREATE TRIGGER federations_tally_ins AFTER INSERT ON federations
BEGIN
    INSERT INTO tally_stale (unit) SELECT SUBSTR(NEW.area_code, 1, 6)
        WHERE NEW.area_code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(NEW.area_code, 1, 6));
END;
CREATE TRIGGER federations_tally_upd AFTER UPDATE OF area_code ON federations
BEGIN
    INSERT INTO tally_stale (unit) SELECT SUBSTR(OLD.area_code, 1, 6)
        WHERE OLD.area_code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(OLD.area_code, 1, 6));
    INSERT INTO tally_stale (unit) SELECT SUBSTR(NEW.area_code, 1, 6)
        WHERE NEW.area_code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(NEW.area_code, 1, 6));
END;
CREATE TRIGGER federations_tally_del AFTER DELETE ON federations
BEGIN
    INSERT INTO tally_stale (unit) SELECT SUBSTR(OLD.area_code, 1, 6)
        WHERE OLD.area_code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(OLD.area_code, 1, 6));
END;
CREATE TRIGGER worker_subsidies_tally_ins AFTER INSERT ON worker_subsidies
BEGIN
    INSERT INTO tally_stale (unit) SELECT SUBSTR(NEW.area_code, 1, 6)
        WHERE NEW.area_code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(NEW.area_code, 1, 6));
END;
CREATE TRIGGER worker_subsidies_tally_upd AFTER UPDATE OF area_code, amount_fen ON worker_subsidies
BEGIN
    INSERT INTO tally_stale (unit) SELECT SUBSTR(OLD.area_code, 1, 6)
        WHERE OLD.area_code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(OLD.area_code, 1, 6));
    INSERT INTO tally_stale (unit) SELECT SUBSTR(NEW.area_code, 1, 6)
        WHERE NEW.area_code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(NEW.area_code, 1, 6));
END;
CREATE TRIGGER worker_subsidies_tally_del AFTER DELETE ON worker_subsidies
BEGIN
    INSERT INTO tally_stale (unit) SELECT SUBSTR(OLD.area_code, 1, 6)
        WHERE OLD.area_code IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM tally_stale WHERE unit = SUBSTR(OLD.area_code, 1, 6));
END;
