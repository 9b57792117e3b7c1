// The maps' base layer, for the fleet map, the zones page and a vehicle's track: a tile server when one is
// configured (data-tile-url on the map's element), else our own — Natural Earth's land and
// the plateforme's roads and towns (/carte/fond.geojson) — in a pane under everything else.
// Nothing the base draws reacts to the mouse, nor to geoman's editing (pmIgnore).
window.fleetBasemap = {
  add(map, mapElement) {
    if (mapElement.dataset.tileUrl) {
      L.tileLayer(mapElement.dataset.tileUrl, { attribution: mapElement.dataset.tileAttribution, maxZoom: 19 }).addTo(map);
      return;
    }
    map.attributionControl.addAttribution("Terres : Natural Earth ; routes et villes : plateforme");
    map.createPane("fond").style.zIndex = 350;
    fetch("/carte/fond.geojson").then((r) => r.json()).then((layer) => {
      L.geoJSON(layer, {
        pane: "fond", interactive: false, pmIgnore: true,
        style: (f) => f.properties.layer === "land"
          ? { color: "#9ca3af", weight: 1, fillColor: "#f3f4e8", fillOpacity: 1 }
          : { color: "#d97706", weight: 2, opacity: 0.6 },
        pointToLayer: (f, latlng) => {
          const dot = L.circleMarker(latlng, { pane: "fond", radius: f.properties.layer === "town" ? 3 : 2, pmIgnore: true,
                                               color: "#374151", weight: 1, fillOpacity: 0.8, interactive: false });
          if (f.properties.layer === "town") {
            dot.bindTooltip(f.properties.name, { permanent: true, direction: "right", className: "town-label" });
          }
          return dot;
        },
      }).addTo(map);
    });
  },
};
