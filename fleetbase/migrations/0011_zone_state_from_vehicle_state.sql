-- depends: 0010_maintenance
-- A vehicle's newest fix considered by zone evaluation is its vehicle_state.fix_time:
-- both move in the same ingest transaction, with the same readings. The copy kept in
-- geofence_vehicle_state cost the ingest worker one 2,000-row upsert per batch at
-- 10,000 trackers, for nothing vehicle_state does not already say.
DROP TABLE geofence_vehicle_state;
