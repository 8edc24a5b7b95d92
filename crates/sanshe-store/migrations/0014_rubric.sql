-- A call's rubric weights for the five criteria (blank: the default 25/15/15/30/15).
ALTER TABLE projects ADD COLUMN rubric TEXT NOT NULL DEFAULT '';
