-- A run keeps the setup it was computed with (indicator library, templates,
-- coefficient table; JSON), and a score card only the values it was scored
-- from: the card is scored again from them to be explained, rescored for new
-- ratings, or amended by an appeal.
ALTER TABLE runs ADD COLUMN setup TEXT NOT NULL DEFAULT '{}';
