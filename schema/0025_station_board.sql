-- A transfer station's board (issue 20) reads the arrivals, hand-overs and departures at the
-- station's checkpoints over a day: events by checkpoint and time.
CREATE INDEX loop_events_by_checkpoint ON loop_events (checkpoint_code, at);
