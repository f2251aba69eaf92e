-- Transfer stations (issue 20): booked arrival slots, closures, and what each hand-over gave whom.

-- A station's own capacity per hour (null: its daily capacity spread over its opening hours, see
-- src/stations/slots.ts), and why it is closed (set with is_open = 0; bookings are told).
ALTER TABLE stations ADD COLUMN capacity_per_hour INTEGER;
ALTER TABLE stations ADD COLUMN closed_reason TEXT;

-- One booked hour for one pass bound for the station. `status`: booked, cancelled, arrived (the
-- scan at the station's checkpoint found it), no_show (its slot ended without the truck).
-- `notice`: what the firm is told about it after booking (e.g. station_closed).
CREATE TABLE station_bookings (
  id TEXT PRIMARY KEY,
  station_code TEXT NOT NULL REFERENCES stations(code),
  pass_number TEXT NOT NULL,
  enterprise_id TEXT NOT NULL,
  plate TEXT NOT NULL,
  starts_at TEXT NOT NULL,
  ends_at TEXT NOT NULL,
  status TEXT NOT NULL,
  notice TEXT,
  arrived_at TEXT,
  loop_id TEXT,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
-- Counting a slot's bookings (the capacity guard) and listing a station's day.
CREATE INDEX station_bookings_by_slot ON station_bookings (station_code, starts_at, status);
-- A pass holds at most one live booking.
CREATE UNIQUE INDEX station_bookings_one_live_per_pass ON station_bookings (pass_number)
  WHERE status = 'booked';
CREATE INDEX station_bookings_by_enterprise ON station_bookings (enterprise_id, starts_at);

-- The hand-over manifest: one row per receiving local vehicle of a `handed_over` event.
-- `flag`: receiver_open_loop when that plate itself has an open loop from a risk area.
CREATE TABLE handover_receivers (
  id TEXT PRIMARY KEY,
  loop_id TEXT NOT NULL REFERENCES loops(id),
  event_id TEXT NOT NULL,
  receiving_plate TEXT NOT NULL,
  pieces INTEGER NOT NULL,
  seal_number TEXT,
  flag TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX handover_receivers_by_loop ON handover_receivers (loop_id);
CREATE INDEX handover_receivers_by_plate ON handover_receivers (receiving_plate);
