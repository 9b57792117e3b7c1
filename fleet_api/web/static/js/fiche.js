// Fiche véhicule: the track and the trips of the chosen day, from the API's history routes.
(() => {
  const element = document.getElementById("carte-trajet");
  const summary = document.getElementById("resume-trajets");
  const tbody = document.querySelector("#table-trajets tbody");
  const { vehicle, from, to, timezone } = element.dataset;
  const clock = new Intl.DateTimeFormat("fr-FR", { timeZone: timezone, hour: "2-digit", minute: "2-digit" });
  const km = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 1 });
  const duration = (seconds) => {
    const minutes = Math.round(seconds / 60);
    return minutes >= 60 ? `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")}` : `${minutes} min`;
  };

  const map = L.map(element, { minZoom: 8, maxZoom: 18, zoomControl: false }).setView([43.66, -1.2], 10);
  L.control.zoom({ zoomInTitle: "Zoomer", zoomOutTitle: "Dézoomer" }).addTo(map);
  fleetBasemap.add(map, element);

  const query = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
  const json = (path) => fetch(path).then(async (r) => {
    const body = await r.json();
    if (!r.ok) throw new Error(body.detail || r.statusText);
    return body;
  });
  Promise.all([json(`/api/v1/vehicles/${vehicle}/positions?${query}&max_points=2000`),
               json(`/api/v1/vehicles/${vehicle}/trips?${query}`)]).then(([track, found]) => {
    const points = track.positions.map((p) => [p.lat, p.lon]);
    if (points.length) {
      const line = L.polyline(points, { color: "#1d4ed8", weight: 4 }).addTo(map);
      map.fitBounds(line.getBounds(), { padding: [20, 20], maxZoom: 15 });
    }
    for (const stop of found.stops) {
      L.circleMarker([stop.lat, stop.lon], { radius: 6, color: "#b91c1c", fillOpacity: 0.8 })
        .bindTooltip(`Arrêt ${clock.format(new Date(stop.started_at))} – ${clock.format(new Date(stop.ended_at))}`)
        .addTo(map);
    }
    const rows = found.trips.map((trip) => {
      const tr = document.createElement("tr");
      for (const text of [clock.format(new Date(trip.started_at)), clock.format(new Date(trip.ended_at)),
                          `${km.format(trip.distance_km)} km`, duration(trip.duration_s)]) {
        const td = document.createElement("td");
        td.textContent = text;
        tr.append(td);
      }
      return tr;
    });
    tbody.replaceChildren(...rows);
    const distance = found.trips.reduce((sum, trip) => sum + trip.distance_km, 0);
    const driving = found.trips.reduce((sum, trip) => sum + trip.duration_s, 0);
    summary.textContent = found.trips.length
      ? `${found.trips.length} trajet${found.trips.length > 1 ? "s" : ""}, ${km.format(distance)} km, `
        + `${duration(driving)} de conduite, ${found.stops.length} arrêt${found.stops.length > 1 ? "s" : ""}.`
      : `Aucun trajet ce jour-là (${track.total_points} position${track.total_points > 1 ? "s" : ""}).`;
  }).catch((error) => { summary.textContent = `Trajets indisponibles : ${error.message}`; });
})();
