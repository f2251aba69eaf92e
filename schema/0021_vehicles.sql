-- A firm's vehicles, kept once: plate, kind and the default crew an application starts from.
-- `crew` is a JSON array of sealed crew members, as applications.crew (ID numbers and phones
-- encrypted and masked). One row per plate per firm; another firm may keep the same plate.
CREATE TABLE vehicles (
  id TEXT PRIMARY KEY,
  enterprise_id TEXT NOT NULL REFERENCES enterprises(id),
  plate TEXT NOT NULL,
  kind TEXT NOT NULL,
  crew TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX vehicles_by_firm_plate ON vehicles (enterprise_id, plate);
