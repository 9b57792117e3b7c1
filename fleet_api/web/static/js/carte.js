// Carte de la flotte: every vehicle on the map and in the list beside it, moving as the
// API's live stream (Server-Sent Events) reports changes. Changes are queued and applied
// once per animation frame, and the list is redrawn at most once a second, so a busy
// stream never blocks the page. A move nobody can see at this zoom (a vehicle drifting
// inside its cluster, or off the screen) is kept aside and applied when the view changes:
// reclustering is what a busy stream costs (`make bench-web`).
(() => {
  const F = window.FleetFormat;
  const mapElement = document.getElementById("carte");
  const statusLine = document.getElementById("etat-flux");
  const tbody = document.querySelector("#liste-vehicules tbody");
  const summary = document.getElementById("resume-liste");
  const filtersForm = document.getElementById("filtres");
  const depotSelect = document.getElementById("filtre-depot");
  const LIST_LIMIT = 200;
  const LIST_EVERY_MS = 1000;
  const FRAME_BUDGET_MS = 12;
  const MOVES_PER_FRAME = 40;

  // No fading: a popup is readable (and checkable) as soon as it opens, even on a slow tablet.
  const map = L.map(mapElement, { zoomSnap: 0.5, minZoom: 8, maxZoom: 18, zoomControl: false, fadeAnimation: false })
    .setView([43.66, -1.2], 10);
  L.control.zoom({ zoomInTitle: "Zoomer", zoomOutTitle: "Dézoomer" }).addTo(map);
  map.on("popupopen", (event) => {  // Leaflet's own words are English
    const close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
    if (close) { close.setAttribute("aria-label", "Fermer"); close.title = "Fermer"; }
  });
  const vehicles = new Map();  // vehicle_id -> latest row
  const markers = new Map();   // vehicle_id -> L.Marker
  const pending = new Map();   // vehicle_id -> row waiting for the next frame
  const unseen = new Set();    // vehicle ids whose marker waits at its previous place (see `unseenMove`)
  let frameRequested = false;
  let listDue = false;
  let listTimer = null;
  let sort = { key: "label", direction: 1 };
  window.fleetMap = { map, vehicles, markers, unseen, firstDrawnAt: null, frames: 0 };

  window.fleetBasemap.add(map, mapElement);  // static/js/basemap.js

  // Zones: depots, the service area, circles and corridors, under the vehicles.
  fetch("/api/v1/geofences").then((r) => r.json()).then((zones) => {
    const colour = (kind) => ({ depot: "#0f766e", service_area: "#2563eb" }[kind] || "#7c3aed");
    for (const zone of zones.features) {
      const p = zone.properties;
      const style = { color: colour(p.kind), weight: 2, fillOpacity: p.kind === "service_area" ? 0.03 : 0.15,
                      dashArray: p.active ? null : "4 4" };
      let layer;
      if (zone.geometry.type === "Point") {
        const [lon, lat] = zone.geometry.coordinates;
        layer = L.circle([lat, lon], { ...style, radius: p.radius_m || 100 });
      } else if (zone.geometry.type === "LineString") {
        layer = L.polyline(zone.geometry.coordinates.map(([lon, lat]) => [lat, lon]), { ...style, weight: 6, opacity: 0.5 });
      } else {
        layer = L.geoJSON(zone, { style });
      }
      layer.bindTooltip(p.name).addTo(map);
    }
  });

  const cluster = L.markerClusterGroup({
    zoomToBoundsOnClick: false, showCoverageOnHover: false, chunkedLoading: true, chunkInterval: 50,
    chunkDelay: 20, maxClusterRadius: 40,
    iconCreateFunction: (group) => {
      const count = group.getChildCount();
      const size = count < 10 ? "small" : count < 100 ? "medium" : "large";
      return L.divIcon({ html: `<div><span>${count}<span class="visually-hidden"> véhicules</span></span></div>`,
                         className: `marker-cluster marker-cluster-${size}`, iconSize: L.point(40, 40) });
    },
  });
  cluster.on("clusterclick", (event) => {
    // Vehicles parked together: a list to tell them apart (and a way in to each).
    const children = event.layer.getAllChildMarkers()
      .map((m) => vehicles.get(m.options.vehicleId)).sort((a, b) => a.label.localeCompare(b.label));
    const box = document.createElement("div");
    const title = document.createElement("strong");
    title.textContent = `${children.length} véhicules ici`;
    const list = document.createElement("ul");
    list.className = "cluster-list";
    for (const v of children) {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = `/vehicules/${v.vehicle_id}`;
      link.textContent = v.label;
      item.append(link, ` — ${F.KINDS[v.kind]}, `, F.gauge(v), `, ${F.presence(v).text}`);
      list.append(item);
    }
    const zoom = document.createElement("button");
    zoom.type = "button";
    zoom.textContent = "Zoomer ici";
    zoom.addEventListener("click", () => { map.closePopup(); event.layer.zoomToBounds({ padding: [20, 20] }); });
    box.append(title, list, zoom);
    L.popup({ maxWidth: 360 }).setLatLng(event.layer.getLatLng()).setContent(box).openOn(map);
  });
  cluster.on("click", (event) => {
    const v = vehicles.get(event.layer.options.vehicleId);
    if (v) L.popup({ maxWidth: 320 }).setLatLng(event.layer.getLatLng()).setContent(popupFor(v)).openOn(map);
  });
  map.addLayer(cluster);
  window.fleetMap.cluster = cluster;

  const icons = new Map();  // one L.divIcon per look, shared by every marker with that look

  function iconKeyOf(v) {
    return `${v.kind}|${v.online}|${v.position_precision}|${(F.energy(v) || {}).level}`;
  }

  function iconFor(v) {
    const key = iconKeyOf(v);
    if (!icons.has(key)) icons.set(key, makeIcon(v));
    return icons.get(key);
  }

  function makeIcon(v) {
    const e = F.energy(v);
    const classes = ["vehicle-marker", v.online ? "online" : "silent"];
    if (v.position_precision === "coarse") classes.push("lent");
    if (e && e.level !== "ok") classes.push(`energy-${e.level}`);
    return L.divIcon({ className: classes.join(" "), iconSize: [24, 24],
                       html: `<span aria-hidden="true">${F.LETTERS[v.kind] || "?"}</span>` });
  }

  function titleFor(v) {
    const e = F.energy(v);
    return [v.label, F.KINDS[v.kind], e ? `${e.word} ${e.pct} %` : null, F.presence(v).text, F.state(v).text]
      .filter(Boolean).join(", ");
  }

  function popupFor(v) {
    const box = document.createElement("div");
    const title = document.createElement("strong");
    title.textContent = `${v.label} — ${F.KINDS[v.kind]}`;
    const lines = document.createElement("ul");
    lines.className = "cluster-list";
    const add = (...parts) => { const li = document.createElement("li"); li.append(...parts); lines.append(li); };
    add(F.gauge(v));
    add(F.presence(v).text);
    add(F.state(v).text);
    if (v.position_precision === "coarse") add("Position approximative (≈ 1 km) : véhicule prêté à une personne.");
    else if (v.loan_status && v.incident_id != null) add(`Position précise : incident n° ${v.incident_id} ouvert (consultation journalisée).`);
    else if (v.speed_kmh !== null) add(`Vitesse : ${Math.round(v.speed_kmh)} km/h`);
    const link = document.createElement("a");
    link.href = `/vehicules/${v.vehicle_id}`;
    link.textContent = "Fiche véhicule";
    box.append(title, lines, link);
    return box;
  }

  let filters = {};
  const onMap = new Set();  // vehicle ids whose marker is in the cluster group now
  let view = null;          // the map's bounds, read once per frame

  function unseenMove(marker, to) {
    // True when moving the marker would change nothing on the screen at this zoom: it stays
    // off the screen, or it is hidden in a cluster and stays inside that cluster's area (the
    // cluster keeps its count and place). Such a move waits in `unseen` until the map is
    // zoomed or panned; the popups and the list read the vehicle's latest row meanwhile.
    const from = marker.getLatLng();
    if (!view.contains(from) && !view.contains(to)) return true;
    const shownAs = cluster.getVisibleParent(marker);
    return shownAs !== null && shownAs !== marker && shownAs.getBounds().contains(to);
  }

  function drawMarker(v, moves) {
    // A new marker, or a change of place or look. A marker changes place only out of the
    // group: the caller removes the moving ones in bulk, moves them (`moves.place`) and adds
    // them back in bulk, which is far cheaper than markercluster's own one-by-one moves.
    let marker = markers.get(v.vehicle_id);
    if (v.lat === null || v.lon === null) {
      if (marker && onMap.has(v.vehicle_id)) moves.remove.push(marker);
      if (marker) { onMap.delete(v.vehicle_id); markers.delete(v.vehicle_id); unseen.delete(v.vehicle_id); }
      return;
    }
    const title = titleFor(v);
    const wanted = matches(v, filters);
    if (!marker) {
      marker = L.marker([v.lat, v.lon], { icon: iconFor(v), title, vehicleId: v.vehicle_id, keyboard: true });
      marker.iconKey = iconKeyOf(v);
      markers.set(v.vehicle_id, marker);
      if (wanted) { moves.add.push(marker); onMap.add(v.vehicle_id); }
      return;
    }
    const at = marker.getLatLng();
    const moved = at.lat !== v.lat || at.lng !== v.lon;
    const shown = onMap.has(v.vehicle_id);
    if (moved && shown && wanted && unseenMove(marker, L.latLng(v.lat, v.lon))) {
      unseen.add(v.vehicle_id);  // stays where it is, in the group's grids, for now
    } else {
      if (shown && (moved || !wanted)) { moves.remove.push(marker); onMap.delete(v.vehicle_id); }
      if (moved) moves.place.push([marker, v]);
      unseen.delete(v.vehicle_id);
    }
    const iconKey = iconKeyOf(v);
    // A hidden marker's icon is only an option until markercluster shows it: cheap.
    if (marker.iconKey !== iconKey) { marker.iconKey = iconKey; marker.setIcon(iconFor(v)); }
    marker.options.title = title;
    const element = marker.getElement();
    if (element) element.title = title;
    if (wanted && !onMap.has(v.vehicle_id)) { moves.add.push(marker); onMap.add(v.vehicle_id); }
  }

  function place(marker, v) {
    // Only for a marker out of the group. markercluster leaves its "move" handler on a marker
    // it removed in bulk, and that handler would put the marker back in, one by one; the
    // group sets it again when the marker is added back.
    marker.off("move");
    marker.setLatLng([v.lat, v.lon]);
  }

  function regroup(moves) {
    if (moves.remove.length) cluster.removeLayers(moves.remove);
    for (const [marker, v] of moves.place) place(marker, v);
    if (moves.add.length) cluster.addLayers(moves.add);
  }

  function applyAll(rows) {
    view = map.getBounds();
    const moves = { add: [], remove: [], place: [] };
    for (const v of rows) {
      if (!vehicles.has(v.vehicle_id)) byLabel = null;
      vehicles.set(v.vehicle_id, v);
      drawMarker(v, moves);
    }
    regroup(moves);
    scheduleList();
  }

  function flush() {
    // Each frame looks at waiting changes until FRAME_BUDGET_MS is spent, and reclusters at
    // most MOVES_PER_FRAME markers, in one bulk remove and one bulk add: looking is cheap
    // (most moves are unseen, see `unseenMove`), reclustering is not. The rest waits for the
    // next frame; a vehicle that changes again meanwhile is applied once, in its latest
    // state, so the backlog never outgrows the fleet.
    frameRequested = false;
    const started = performance.now();
    view = map.getBounds();
    const moves = { add: [], remove: [], place: [] };
    let looked = 0;
    for (const [id, v] of pending) {
      pending.delete(id);
      if (!vehicles.has(id)) byLabel = null;
      vehicles.set(id, v);
      drawMarker(v, moves);
      looked += 1;
      if (moves.add.length + moves.remove.length >= MOVES_PER_FRAME) break;
      if (looked % 50 === 0 && performance.now() - started > FRAME_BUDGET_MS) break;
    }
    regroup(moves);
    scheduleList();
    window.fleetMap.frames += 1;
    if (pending.size) { frameRequested = true; requestAnimationFrame(flush); }
  }

  function queue(v) {
    pending.set(v.vehicle_id, v);
    if (!frameRequested) { frameRequested = true; requestAnimationFrame(flush); }
  }

  // Zoomed or panned: the moves kept aside are looked at again, against the new view, in the
  // same frame batches (those still unseen wait again; a newer row in `pending` wins).
  map.on("moveend", () => {
    for (const id of unseen) if (!pending.has(id)) queue(vehicles.get(id));
    unseen.clear();
  });

  function updateCounts() {
    const counts = { lent: 0, available: 0, silent: 0, low: 0, maintenance: 0 };
    for (const v of vehicles.values()) {
      const key = F.state(v).key;
      if (key in counts) counts[key] += 1;
      if (!v.online) counts.silent += 1;
      const e = F.energy(v);
      if (e && e.level !== "ok") counts.low += 1;
    }
    for (const [key, value] of Object.entries(counts)) {
      setText(document.querySelector(`[data-count="${key}"]`), String(value));
    }
  }

  function matches(v, filters) {
    if (filters.kind && v.kind !== filters.kind) return false;
    if (filters.state && F.state(v).key !== filters.state) return false;
    if (filters.depot && String(v.home_site_id) !== filters.depot) return false;
    if (filters.text && !v.label.toLowerCase().includes(filters.text.toLowerCase())) return false;
    if (filters.low) { const e = F.energy(v); if (!e || e.level === "ok") return false; }
    if (filters.silent && v.online) return false;
    return true;
  }

  const sortValue = {
    label: (v) => v.label,
    energy: (v) => (F.energy(v) || { pct: 999 }).pct,
    seen: (v) => v.last_seen_at || "",
    state: (v) => F.state(v).text,
  };

  function readFilters() {
    const data = new FormData(filtersForm);
    return { kind: data.get("kind"), state: data.get("state"), depot: data.get("depot"),
             text: data.get("text"), low: data.get("low"), silent: data.get("silent") };
  }

  function filterMap() {
    // The map shows the same selection as the list.
    filters = readFilters();
    const add = [], remove = [];
    for (const [id, marker] of markers) {
      const wanted = matches(vehicles.get(id), filters);
      if (wanted && !onMap.has(id)) { add.push(marker); onMap.add(id); }
      if (!wanted && onMap.has(id)) { remove.push(marker); onMap.delete(id); }
    }
    if (remove.length) cluster.removeLayers(remove);
    for (const marker of remove) {  // out of the group: a move kept aside can be made now
      const id = marker.options.vehicleId;
      if (unseen.delete(id)) place(marker, vehicles.get(id));
    }
    if (add.length) cluster.addLayers(add);
  }

  let byLabel = null;  // vehicle ids by label, until a vehicle comes or the snapshot is redrawn

  function sorted(rows, value, direction) {
    return rows.sort((a, b) => { const x = value(a), y = value(b); return (x < y ? -1 : x > y ? 1 : 0) * direction; });
  }

  let rowCache = new Map();  // vehicle_id -> { look, tr } of the rows in the list now

  function rowFor(v, now) {
    // A row is rebuilt only when what it says changes: a busy stream mostly moves vehicles,
    // which the list does not show, and each new row costs the browser a table layout.
    const e = F.energy(v);
    const presence = F.presence(v, now);
    const stateText = F.state(v).text + (v.lat !== null ? ""
      : v.position_precision === "hidden" ? " (position non affichée : véhicule prêté)" : " (aucune position)");
    const look = [v.label, v.kind, e && e.pct, e && e.level, e && e.word, presence.key, presence.text, stateText].join("|");
    const cached = rowCache.get(v.vehicle_id);
    if (cached && cached.look === look) return cached;
    const tr = document.createElement("tr");
    const name = document.createElement("th");
    name.scope = "row";
    const link = document.createElement("a");
    link.href = `/vehicules/${v.vehicle_id}`;
    link.textContent = v.label;
    name.append(link, document.createElement("br"), F.KINDS[v.kind]);
    const energyCell = document.createElement("td");
    energyCell.append(F.gauge(v));
    const seen = document.createElement("td");
    seen.className = `state-${presence.key}`;
    seen.textContent = presence.text;
    const stateCell = document.createElement("td");
    stateCell.textContent = stateText;
    tr.append(name, energyCell, seen, stateCell);
    return { look, tr };
  }

  function setText(element, text) {
    if (element.textContent !== text) element.textContent = text;  // same text: no layout to redo
  }

  function renderList() {
    listDue = false;
    updateCounts();
    let shown;
    if (sort.key === "label") {  // the usual order: labels do not change, so it is sorted once
      byLabel = byLabel || sorted([...vehicles.values()], sortValue.label, 1).map((v) => v.vehicle_id);
      shown = byLabel.map((id) => vehicles.get(id)).filter((v) => matches(v, filters));
      if (sort.direction < 0) shown.reverse();
    } else {
      shown = sorted([...vehicles.values()].filter((v) => matches(v, filters)), sortValue[sort.key], sort.direction);
    }
    const now = Date.now();
    const listed = shown.slice(0, LIST_LIMIT);
    const rows = listed.map((v) => rowFor(v, now));
    const current = tbody.children;
    // The same vehicles in the same order: only the rebuilt rows are swapped in.
    const sameOrder = current.length === listed.length
      && listed.every((v, i) => { const before = rowCache.get(v.vehicle_id); return before && before.tr === current[i]; });
    if (sameOrder) {
      rows.forEach((row, i) => { if (current[i] !== row.tr) current[i].replaceWith(row.tr); });
    } else {
      tbody.replaceChildren(...rows.map((row) => row.tr));
    }
    rowCache = new Map(listed.map((v, i) => [v.vehicle_id, rows[i]]));
    setText(summary, shown.length > LIST_LIMIT
      ? `${LIST_LIMIT} premiers véhicules affichés sur ${shown.length} : affinez le filtre.`
      : `${shown.length} véhicule${shown.length > 1 ? "s" : ""} sur ${vehicles.size}.`);
  }

  function scheduleList() {
    if (listTimer) { listDue = true; return; }
    renderList();
    listTimer = setTimeout(() => { listTimer = null; if (listDue) renderList(); }, LIST_EVERY_MS);
  }

  filtersForm.addEventListener("input", () => { filterMap(); renderList(); });
  filtersForm.addEventListener("submit", (event) => event.preventDefault());
  for (const button of document.querySelectorAll("[data-sort]")) {
    button.addEventListener("click", () => {
      sort = { key: button.dataset.sort, direction: sort.key === button.dataset.sort ? -sort.direction : 1 };
      for (const other of document.querySelectorAll("th[aria-sort]")) other.removeAttribute("aria-sort");
      button.parentElement.setAttribute("aria-sort", sort.direction > 0 ? "ascending" : "descending");
      renderList();
    });
  }
  setInterval(scheduleList, 30000);  // « il y a 12 min » keeps counting

  function fillDepots() {
    const depots = new Map();
    for (const v of vehicles.values()) depots.set(String(v.home_site_id), v.home_site_name);
    const chosen = depotSelect.value;
    const options = [...depots].sort((a, b) => a[1].localeCompare(b[1])).map(([id, name]) => new Option(name, id));
    depotSelect.replaceChildren(new Option("Tous", ""), ...options);
    depotSelect.value = chosen;
  }

  const stream = new EventSource("/api/v1/fleet/stream");
  stream.addEventListener("snapshot", (event) => {
    const rows = JSON.parse(event.data);
    pending.clear();
    unseen.clear();
    rowCache = new Map();
    byLabel = null;
    vehicles.clear();
    cluster.clearLayers();
    markers.clear();
    onMap.clear();
    filters = readFilters();
    const SLICE = 2000;
    const drawSlice = (start) => {
      applyAll(rows.slice(start, start + SLICE));
      if (start + SLICE < rows.length) { setTimeout(() => drawSlice(start + SLICE), 0); return; }
      fillDepots();
      statusLine.textContent = `En direct : ${rows.length} véhicules.`;
      if (window.fleetMap.firstDrawnAt === null) {
        requestAnimationFrame(() => {
          window.fleetMap.firstDrawnAt = performance.now();
          performance.mark("carte-dessinee");
        });
      }
    };
    drawSlice(0);
  });
  stream.addEventListener("vehicle", (event) => queue(JSON.parse(event.data)));
  stream.addEventListener("open", () => { statusLine.textContent = "En direct."; });
  stream.addEventListener("error", () => {
    statusLine.textContent = stream.readyState === EventSource.CLOSED
      ? "Flux arrêté : rechargez la page (session terminée ?)."
      : "Flux interrompu : reconnexion…";
  });
})();
