"""Decoders for what real trackers send besides the native readings (ingest/decoding.py).

- `owntracks`: the OwnTracks apps' JSON, as Android and iOS really send it (over MQTT,
  or over HTTP through the HTTP ingress), encrypted payloads included;
- `osmand`: the OsmAnd protocol over HTTP (Traccar Client, OsmAnd, GPSLogger), decoded
  by the HTTP ingress (ingest/http_ingress/);
- `traccar`: positions forwarded by a Traccar server over MQTT, for the boxes whose
  binary protocols Traccar decodes (Teltonika's I/O elements mapped to our fields);
- `directory`: what decoding needs to know of the trackers (OwnTracks keys, Traccar ids).

Every decoder returns readings in the MQTT contract's units, or typed rejections;
none raises on bad input.
"""
