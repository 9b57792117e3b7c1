"""Zones (depots, service area) and the transitions of vehicles across them.

    zones.py        GeoJSON → checked shapes; InvalidZone (an InvalidInput: 422) with a reason
    geodesy.py      metres on the ground: geodesic circles, corridors, a local metric frame
    index.py        ZoneIndex: STRtree of prepared zones; inside / straddling per fix, in batches
    transitions.py  pure enter/exit logic without flapping (state in, state out)
    rules.py        pure rules: transitions and readings → alert drafts (French texts)
    evaluation.py   evaluate(): what ingest calls per batch; ZoneCache, ContextCache; check_silent_trackers()
    service.py      zones as GeoJSON Features for the API (create, update, delete)
    repository.py   every query; nothing commits

Never imports FastAPI or the MQTT client.
"""
