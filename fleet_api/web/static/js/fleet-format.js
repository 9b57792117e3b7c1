// How the pages show a vehicle of the live fleet: kind, energy gauge, online or silent and
// since when, loan state. French words beside every colour (never colour alone).
window.FleetFormat = (() => {
  const KINDS = { car: "Voiture", ecar: "Voiture électrique", scooter: "Scooter", ebike: "Vélo électrique" };
  const LETTERS = { car: "V", ecar: "É", scooter: "S", ebike: "B" };
  const STATUSES = { available: "Disponible", on_loan: "En prêt", maintenance: "En maintenance",
                     immobilised: "Immobilisé", out_of_service: "Hors service" };
  const LOW_PCT = 20;
  const CRITICAL_PCT = 10;
  const relative = new Intl.RelativeTimeFormat("fr", { numeric: "auto", style: "short" });

  function energy(v) {
    // Traction battery for electric kinds, fuel for the others; null when not reported yet.
    const pct = v.battery_pct ?? v.fuel_pct;
    if (pct === null || pct === undefined) return null;
    const level = pct <= CRITICAL_PCT ? "critical" : pct <= LOW_PCT ? "low" : "ok";
    const word = v.battery_pct !== null && v.battery_pct !== undefined ? "batterie" : "carburant";
    return { pct: Math.round(pct), level, word };
  }

  function state(v) {
    if (v.loan_status === "overdue") return { key: "lent", text: "En prêt, retour en retard" };
    if (v.loan_status === "active") return { key: "lent", text: "En prêt" };
    if (v.status === "available") return { key: "available", text: "Au dépôt, disponible" };
    if (v.status === "maintenance") return { key: "maintenance", text: "En maintenance" };
    return { key: "other", text: STATUSES[v.status] || v.status };
  }

  function since(iso, now = Date.now()) {
    if (!iso) return "jamais";
    const seconds = Math.round((Date.parse(iso) - now) / 1000);
    const units = [["day", 86400], ["hour", 3600], ["minute", 60]];
    for (const [unit, size] of units) {
      if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
    }
    return "à l'instant";
  }

  function presence(v, now) {
    return v.online ? { key: "online", text: `En ligne, ${since(v.last_seen_at, now)}` }
                    : { key: "silent", text: `Silencieux, ${since(v.last_seen_at, now)}` };
  }

  function gauge(v) {
    // <span class="gauge level-low"><span class="bar"><span class="fill"></span></span> 18 % carburant</span>
    const e = energy(v);
    const span = document.createElement("span");
    if (!e) { span.textContent = "—"; span.className = "muted"; return span; }
    span.className = `gauge level-${e.level}`;
    const bar = document.createElement("span");
    bar.className = "bar";
    bar.setAttribute("aria-hidden", "true");
    const fill = document.createElement("span");
    fill.className = "fill";
    fill.style.width = `${e.pct}%`;  // CSSOM, allowed by the CSP (no inline style attribute)
    bar.append(fill);
    span.append(bar, ` ${e.pct} % ${e.word}${e.level === "ok" ? "" : e.level === "low" ? " (bas)" : " (critique)"}`);
    return span;
  }

  return { KINDS, LETTERS, energy, state, since, presence, gauge, LOW_PCT };
})();
