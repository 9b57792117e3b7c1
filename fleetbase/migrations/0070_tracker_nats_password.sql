-- depends: 0040_expire_positions_on_both_back_ends
-- NATS keeps passwords as bcrypt hashes, Mosquitto as PBKDF2 ones: a tracker registered
-- from now on has both, so `python -m fleetbase nats-config` can give it its NATS login.
-- Trackers registered before have none until their password is set again (fleetbase/nats.py).
ALTER TABLE trackers ADD COLUMN mqtt_password_bcrypt text;
