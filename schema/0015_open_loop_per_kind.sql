-- A loop opened by hand (manual = 1, no pass) and a pass's loop (manual = 0) may be open side by
-- side for one plate: a manual loop never holds a pass, and a pass never joins a manual loop (any
-- checkpoint may open one, and could plant results in it). One open loop per plate of each kind;
-- the manual-open route refuses a manual loop while any loop of the plate is open.
--
-- A loop a pass took over before this change (manual = 1 with a pass) is that pass's loop: while
-- open it keeps the pass's place, so the truck goes on in it rather than in a second loop.
UPDATE loops SET manual = 0 WHERE manual = 1 AND pass_number IS NOT NULL AND closed_at IS NULL;
DROP INDEX loops_one_open_per_plate;
CREATE UNIQUE INDEX loops_one_open_pass_loop_per_plate ON loops (plate) WHERE closed_at IS NULL AND manual = 0;
CREATE UNIQUE INDEX loops_one_open_manual_loop_per_plate ON loops (plate) WHERE closed_at IS NULL AND manual = 1;
