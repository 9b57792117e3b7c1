-- depends: 0012_vehicle_context_revision
-- positions.vehicle_id no longer references vehicles: the check took a row lock on
-- the vehicle (a WAL record) for every reading stored, some 40 % of the time of the
-- ingest worker's insert at 10,000 trackers (docs/PERFORMANCE.md). What it protected
-- holds without it: the worker stores only vehicle ids it read from trackers, whose
-- vehicle_id does reference vehicles, and vehicles are never deleted (they go
-- out_of_service). vehicle_daily_stats, written from positions, keeps its reference.
ALTER TABLE positions DROP CONSTRAINT IF EXISTS positions_vehicle_id_fkey;
