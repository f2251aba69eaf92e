-- Read paths that must stay fast as history grows (see npm run bench, growth).

-- Open loops at a checkpoint: only the open ones are indexed, so closed history costs nothing.
CREATE INDEX loops_open_by_entry ON loops (entry_checkpoint_code, opened_at) WHERE closed_at IS NULL;
CREATE INDEX loops_open_by_last ON loops (last_checkpoint_code, opened_at) WHERE closed_at IS NULL;
CREATE INDEX loops_open ON loops (opened_at) WHERE closed_at IS NULL;

-- A firm's alerts over a period without walking all its loops ever.
ALTER TABLE alerts ADD COLUMN enterprise_id TEXT;
UPDATE alerts SET enterprise_id = (SELECT enterprise_id FROM loops WHERE loops.id = alerts.loop_id);
CREATE INDEX alerts_by_enterprise ON alerts (enterprise_id, opened_at);
