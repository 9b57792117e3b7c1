"""The HTTP ingress: phones and boxes that speak HTTP, not MQTT, join the same pipeline.

`python -m ingest.http_ingress` serves, for each tracker, two URLs whose path holds the
tracker's secret (given once at registration): `/osmand/<secret>` for the OsmAnd protocol
(Traccar Client, OsmAnd, GPSLogger; ingest/protocols/osmand.py) and `/owntracks/<secret>`
for OwnTracks in HTTP mode. A request is decoded and checked here, then published to the
project's broker with QoS 1 as the tracker's reading (`fleet/<id>/telemetry`, native JSON;
`owntracks/http/<id>`, the app's JSON as it is), and answered 200 only once the broker
has acknowledged it (PUBACK): from then on it is the broker's persistent queue, the
ingest worker and its commit that keep it, as for any MQTT tracker. Whatever cannot be
published in time is answered 503 and the app sends it again. Bad input is answered 400
with its reason and kept as a dead letter; a disabled tracker is refused (403).

It is a process of its own, not a route of the API: it faces the phones (the internet,
behind a TLS proxy) where the API stays on the loopback; it holds a broker connection
and no user sessions; it is started, scaled and restarted without the API, and a flood
of phones never slows the people's pages.
"""
