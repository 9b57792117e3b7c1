// Zones: draw a zone with geoman's toolbar (polygon, rectangle, circle, or a line that becomes
// a corridor of the width typed in the form), name it and save it; choose a zone (in the list
// or on the map) to move its vertices, rename it or delete it. Every change is a call to
// /api/v1/geofences with the session cookie and the page's CSRF token; a refusal shows the
// API's own French sentence beside the form, and the drawing stays to be corrected.
(() => {
  const $ = (id) => document.getElementById(id);
  const mapElement = $("carte-zones");
  const form = $("zone-form");
  const title = $("titre-zone");
  const shapeLine = $("zone-forme");
  const nameInput = $("zone-nom");
  const kindSelect = $("zone-type");
  const siteField = $("champ-site");
  const siteSelect = $("zone-site");
  const widthField = $("champ-largeur");
  const widthInput = $("zone-largeur");
  const message = $("zone-message");
  const success = $("zone-succes");
  const saveButton = $("zone-enregistrer");
  const cancelButton = $("zone-annuler");
  const deleteButton = $("zone-supprimer");
  const listBox = $("liste-zones");
  const csrfToken = () => JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
  const COLOURS = { depot: "#0f766e", service_area: "#2563eb", other: "#7c3aed" };
  const SELECTED = "#dc2626";

  const map = L.map(mapElement, { zoomSnap: 0.5, minZoom: 8, maxZoom: 18, zoomControl: false, fadeAnimation: false })
    .setView([43.66, -1.2], 10);
  L.control.zoom({ zoomInTitle: "Zoomer", zoomOutTitle: "Dézoomer" }).addTo(map);

  window.fleetBasemap.add(map, mapElement);  // static/js/basemap.js

  // The association's sites: where a depot zone (and the service area) must reach.
  for (const site of JSON.parse(mapElement.dataset.sites || "[]")) {
    const icon = L.divIcon({ html: '<span aria-hidden="true">◆</span>', className: "site-marker", iconSize: [16, 16] });
    L.marker([site.lat, site.lon], { icon, pmIgnore: true, keyboard: false, title: `Site : ${site.name}`, alt: site.name })
      .bindTooltip(`Site : ${site.name}`).addTo(map);
  }

  // geoman's toolbar, in French, without the tools that have no meaning for a zone.
  map.pm.setLang("fr_zones", {
    buttonTitles: { drawPolyButton: "Dessiner un polygone", drawRectButton: "Dessiner un rectangle",
                    drawCircleButton: "Dessiner un cercle", drawLineButton: "Dessiner un couloir (sa ligne médiane)" },
  }, "fr");
  map.pm.addControls({ position: "topleft", drawMarker: false, drawCircleMarker: false, drawText: false,
                       editMode: false, dragMode: false, cutPolygon: false, removalMode: false, rotateMode: false });
  map.pm.setGlobalOptions({ allowSelfIntersection: true, snappable: false });  // the API judges the shape
  // The toolbar's links carry their title on their parent only: give each a name of its own.
  for (const container of document.querySelectorAll(".leaflet-pm-toolbar .button-container[title]")) {
    const link = container.querySelector(".leaflet-buttons-control-button");
    if (link) link.setAttribute("aria-label", container.title);
  }
  const nameActions = () => {
    for (const action of document.querySelectorAll(".leaflet-pm-action")) {
      if (!action.getAttribute("aria-label")) action.setAttribute("aria-label", action.textContent.trim());
    }
  };
  map.on("pm:drawstart", nameActions);

  const zones = new Map();  // id -> { feature, layer }
  let selected = null;      // { id (null for a new drawing), layer, type }

  const toLatLng = ([lon, lat]) => [lat, lon];
  const toPosition = (latlng) => [Number(latlng.lng.toFixed(7)), Number(latlng.lat.toFixed(7))];
  const openRing = (ring) => ring.slice(0, -1).map(toLatLng);

  function layerFor(feature) {
    const p = feature.properties;
    const style = { color: COLOURS[p.kind] || COLOURS.other, weight: 2,
                    fillOpacity: p.kind === "service_area" ? 0.03 : 0.15, dashArray: p.active ? null : "4 4" };
    const g = feature.geometry;
    if (g.type === "Point") return L.circle(toLatLng(g.coordinates), { ...style, radius: p.radius_m });
    if (g.type === "LineString") return L.polyline(g.coordinates.map(toLatLng), { ...style, weight: 6, opacity: 0.6 });
    if (g.type === "Polygon") return L.polygon(g.coordinates.map(openRing), style);
    return L.polygon(g.coordinates.map((polygon) => polygon.map(openRing)), style);  // MultiPolygon
  }

  function show(feature) {
    const old = zones.get(feature.id);
    if (old) old.layer.remove();
    const layer = layerFor(feature).bindTooltip(feature.properties.name).addTo(map);
    layer.on("click", () => {
      if (map.pm.globalDrawModeEnabled()) return;  // a click of a drawing, not a choice
      if (!selected || selected.id !== feature.id) choose(feature.id);
    });
    zones.set(feature.id, { feature, layer });
  }

  function geometryOf(layer, type) {
    if (type === "Point") return { type: "Point", coordinates: toPosition(layer.getLatLng()) };
    if (type === "LineString") return { type: "LineString", coordinates: layer.getLatLngs().map(toPosition) };
    const rings = (latlngs) => latlngs.map((ring) => { const open = ring.map(toPosition); return [...open, open[0]]; });
    const latlngs = layer.getLatLngs();
    if (type === "MultiPolygon") return { type: "MultiPolygon", coordinates: latlngs.map(rings) };
    return { type: "Polygon", coordinates: rings(latlngs) };
  }

  function describe() {
    if (!selected) return "Aucune forme dessinée : utilisez les boutons de la carte.";
    const { layer, type } = selected;
    if (type === "Point") return `Cercle de ${Math.round(layer.getRadius()).toLocaleString("fr-FR")} m de rayon.`;
    if (type === "LineString") return `Couloir le long d'une ligne de ${layer.getLatLngs().length} points.`;
    if (type === "MultiPolygon") return `Polygones (${layer.getLatLngs().length}).`;
    return `Polygone de ${layer.getLatLngs()[0].length} sommets.`;
  }

  function refreshForm() {
    shapeLine.textContent = describe();
    siteField.hidden = kindSelect.value !== "depot";
    widthField.hidden = !selected || selected.type !== "LineString";
    saveButton.disabled = !selected;
    cancelButton.hidden = !selected;
    deleteButton.hidden = !selected || selected.id === null;
    for (const row of listBox.querySelectorAll("tr[data-zone-row]")) {
      row.classList.toggle("selected", !!selected && String(selected.id) === row.dataset.zoneRow);
    }
  }

  function say(text) { message.textContent = text; message.hidden = !text; }

  function release() {
    // Leave the current drawing or zone as it was stored.
    if (!selected) return;
    selected.layer.pm.disable();
    if (selected.id === null) selected.layer.remove();
    else show(zones.get(selected.id).feature);
    selected = null;
  }

  function startOver() {
    release();
    form.reset();
    title.textContent = "Nouvelle zone";
    say("");
    refreshForm();
  }

  function watchEdits(layer) {
    layer.on("pm:edit pm:markerdragend", refreshForm);
  }

  map.on("pm:create", ({ shape, layer }) => {
    release();
    say("");
    success.textContent = "";
    const type = shape === "Circle" ? "Point" : shape === "Line" ? "LineString" : "Polygon";
    selected = { id: null, layer, type };
    layer.pm.enable({ allowSelfIntersection: true });
    watchEdits(layer);
    title.textContent = "Nouvelle zone";
    refreshForm();
    nameInput.focus();
  });

  function choose(id) {
    if (!zones.has(id)) return;
    release();
    const zone = zones.get(id);
    say("");
    success.textContent = "";
    const p = zone.feature.properties;
    selected = { id, layer: zone.layer, type: zone.feature.geometry.type };
    zone.layer.setStyle({ color: SELECTED });
    zone.layer.pm.enable({ allowSelfIntersection: true });
    watchEdits(zone.layer);
    title.textContent = `Modifier la zone « ${p.name} »`;
    nameInput.value = p.name;
    kindSelect.value = p.kind === "custom" ? "other" : p.kind;
    if (p.site_id) siteSelect.value = String(p.site_id);
    if (p.width_m) widthInput.value = String(p.width_m);
    map.fitBounds(zone.layer.getBounds(), { maxZoom: 15, padding: [30, 30], animate: false });
    refreshForm();
    nameInput.focus();
  }

  function body() {
    const kind = kindSelect.value;
    const properties = { name: nameInput.value.trim(), kind, site_id: kind === "depot" ? Number(siteSelect.value) : null };
    if (selected.type === "Point") properties.radius_m = Math.round(selected.layer.getRadius());
    if (selected.type === "LineString") properties.width_m = widthInput.value === "" ? null : Number(widthInput.value);
    const geometry = geometryOf(selected.layer, selected.type);
    if (selected.id === null) {
      if (properties.site_id === null) delete properties.site_id;
      return { type: "Feature", geometry, properties };
    }
    return { ...properties, geometry };
  }

  function refusal(status, answer) {
    if (status === 403) return "Cette action n'est pas permise à votre compte, ou la session a changé : rechargez la page.";
    if (answer.error === "InvalidInput") {
      return "Saisie refusée : vérifiez le nom (200 caractères au plus, sur une ligne) et les nombres (rayon, largeur).";
    }
    return answer.detail || `La zone n'a pas pu être enregistrée (erreur ${status}).`;
  }

  async function call(method, path, payload) {
    const answer = await fetch(path, {
      method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
      body: payload === undefined ? undefined : JSON.stringify(payload),
    });
    const content = answer.status === 204 ? {} : await answer.json().catch(() => ({}));
    return { ok: answer.ok, status: answer.status, content };
  }

  async function refreshList() {
    const answer = await fetch("/zones/liste", { credentials: "same-origin" });
    if (answer.ok) listBox.innerHTML = await answer.text();
    refreshForm();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!selected) return;
    if (!nameInput.value.trim()) { say("Donnez un nom à la zone."); nameInput.focus(); return; }
    if (selected.type === "LineString" && !(Number(widthInput.value) > 0)) {
      say("Indiquez la largeur du couloir, en mètres."); widthInput.focus(); return;
    }
    saveButton.disabled = true;
    const creating = selected.id === null;
    const answer = creating ? await call("POST", "/api/v1/geofences", body())
                            : await call("PATCH", `/api/v1/geofences/${selected.id}`, body());
    if (!answer.ok) {
      say(`Zone refusée : ${refusal(answer.status, answer.content)}`);
      saveButton.disabled = false;
      return;
    }
    selected.layer.pm.disable();
    if (creating) selected.layer.remove();
    selected = null;
    show(answer.content);
    form.reset();
    title.textContent = "Nouvelle zone";
    say("");
    success.textContent = `Zone « ${answer.content.properties.name} » enregistrée.`;
    await refreshList();
  });

  cancelButton.addEventListener("click", () => { startOver(); success.textContent = ""; });

  deleteButton.addEventListener("click", async () => {
    if (!selected || selected.id === null) return;
    const zone = zones.get(selected.id);
    if (!window.confirm(`Supprimer la zone « ${zone.feature.properties.name} » ? Ses événements passés restent.`)) return;
    const answer = await call("DELETE", `/api/v1/geofences/${selected.id}`);
    if (!answer.ok) { say(`Suppression refusée : ${refusal(answer.status, answer.content)}`); return; }
    selected.layer.pm.disable();
    zone.layer.remove();
    zones.delete(selected.id);
    selected = null;
    form.reset();
    title.textContent = "Nouvelle zone";
    say("");
    success.textContent = `Zone « ${zone.feature.properties.name} » supprimée.`;
    await refreshList();
  });

  kindSelect.addEventListener("change", refreshForm);
  listBox.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-zone-id]");
    if (button) choose(Number(button.dataset.zoneId));
  });

  fetch("/api/v1/geofences", { credentials: "same-origin" }).then((r) => r.json()).then((collection) => {
    for (const feature of collection.features) show(feature);
    window.zonesMap = { map, zones, ready: true };
    refreshForm();
  });
  window.zonesMap = { map, zones, ready: false };
})();
