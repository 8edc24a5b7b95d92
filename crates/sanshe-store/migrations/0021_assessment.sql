-- The harmonious-community assessment (和谐社区建设考评) on an award list: a community's
-- self-assessment of the indicators scored by hand, and its appeal during the notice with
-- the district's answer.
ALTER TABLE award_entries ADD COLUMN self_scores TEXT NOT NULL DEFAULT '';
ALTER TABLE award_entries ADD COLUMN appeal TEXT NOT NULL DEFAULT '';
ALTER TABLE award_entries ADD COLUMN appeal_answer TEXT NOT NULL DEFAULT '';
-- The district has scored the hand-scored indicators (a self-assessment no longer changes
-- the entry's points).
ALTER TABLE award_entries ADD COLUMN hand_by_district BIGINT NOT NULL DEFAULT 0;
