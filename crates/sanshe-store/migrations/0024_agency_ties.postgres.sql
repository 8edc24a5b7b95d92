-- A lasting tie between two organizations is recorded once, whichever way round.
CREATE UNIQUE INDEX org_ties_lasting_idx ON org_ties(LEAST(org_id, other_org_id), GREATEST(org_id, other_org_id), relation) WHERE ended_on IS NULL;
