-- Purchaser representatives (采购人代表) in the expert pool, and per-call guidance for the
-- rubric's criteria.

-- 'expert' (drawn at random) or 'purchaser' (named by the district; at most a third of a panel).
ALTER TABLE experts ADD COLUMN kind TEXT NOT NULL DEFAULT 'expert';

-- The call's own guidance per criterion, one line per criterion in the rubric's order (blank:
-- the default guidance).
ALTER TABLE projects ADD COLUMN rubric_guide TEXT NOT NULL DEFAULT '';
