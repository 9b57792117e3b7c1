// État des lieux (/prets/{id}/depart, /prets/{id}/retour): the form's local state as an
// Alpine.js component (CSP build: registered here, only named in the template).
// Photos are shrunk on a canvas (longest side 1600 px) and re-encoded as JPEG, which leaves
// their EXIF (a phone's GPS position) behind, then sent to POST /api/v1/photos; the
// inspection goes to the API's /checkout or /checkin with the two signatures drawn here.
(() => {
  const MAX_SIDE = 1600;
  const TOLERANCE_KM = 1;
  const SVG = "http://www.w3.org/2000/svg";
  // The pads stay out of Alpine's reactive state: its proxies would hide their private fields.
  const pads = {};
  const csrfToken = () => JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";

  async function send(url, options) {
    const answer = await fetch(url, { ...options, credentials: "same-origin",
                                      headers: { "X-CSRF-Token": csrfToken(), ...(options.headers || {}) } });
    const body = await answer.json().catch(() => ({}));
    if (!answer.ok) throw new Error(body.detail || `Erreur ${answer.status} : réessayez.`);
    return body;
  }

  async function shrunk(file) {
    const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
    const thumb = document.createElement("canvas");
    const thumbScale = 160 / Math.max(canvas.width, canvas.height);
    thumb.width = Math.round(canvas.width * thumbScale);
    thumb.height = Math.round(canvas.height * thumbScale);
    thumb.getContext("2d").drawImage(canvas, 0, 0, thumb.width, thumb.height);
    return { blob, preview: thumb.toDataURL("image/jpeg", 0.7) };
  }

  function signaturePad(canvas) {
    const ratio = Math.max(window.devicePixelRatio || 1, 1);
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    return new SignaturePad(canvas, { backgroundColor: "rgba(0,0,0,0)", penColor: "#111827" });
  }

  document.addEventListener("alpine:init", () => {
    Alpine.data("etatDesLieux", () => ({
      odometer: "",
      reason: "",
      energy: 50,
      damages: [],
      error: "",
      sending: false,
      nextKey: 1,
      telemetryKm: null,

      init() {
        const data = this.$el.dataset;
        this.telemetryKm = data.telemetryKm === "" ? null : Number(data.telemetryKm);
        this.odometer = this.telemetryKm === null ? "" : String(this.telemetryKm);
        this.energy = data.energy === "" ? 50 : Math.round(Number(data.energy) / 5) * 5;
        for (const damage of JSON.parse(data.knownDamages || "[]")) {
          this.damages.push(this.newDamage(damage.location, damage.description, true));
        }
        this.$nextTick(() => {
          pads.participant = signaturePad(this.$refs.participantCanvas);
          pads.staff = signaturePad(this.$refs.staffCanvas);
          this.drawMarkers();
        });
      },

      get needsReason() {
        return this.telemetryKm !== null && this.odometer !== "" &&
          Math.abs(Number(this.odometer) - this.telemetryKm) > TOLERANCE_KM;
      },

      get energyText() {
        return `${this.energy} %`;
      },

      newDamage(location, description, known) {
        const key = this.nextKey++;
        return { key, number: 0, location, description, known, photos: [], status: "" };
      },

      mark(event) {
        const part = event.currentTarget;
        this.damages.push(this.newDamage(part.dataset.location, "", false));
        this.drawMarkers();
        this.$nextTick(() => {
          const fields = this.$el.querySelectorAll(".damage textarea");
          if (fields.length) fields[fields.length - 1].focus();
        });
      },

      removeDamage(index) {
        this.damages.splice(index, 1);
        this.drawMarkers();
      },

      // One numbered badge per damage, at the middle of the part it was noted on.
      drawMarkers() {
        const layer = this.$refs.markers;
        layer.replaceChildren();
        const seen = {};
        this.damages.forEach((damage, index) => {
          damage.number = index + 1;
          const part = this.$refs.outline.querySelector(`path[data-location="${CSS.escape(damage.location)}"]`);
          if (!part) return;
          const box = part.getBBox();
          const offset = (seen[damage.location] = (seen[damage.location] || 0) + 1) - 1;
          const x = box.x + box.width / 2 + offset * 14;
          const y = box.y + box.height / 2;
          const circle = document.createElementNS(SVG, "circle");
          circle.setAttribute("cx", x); circle.setAttribute("cy", y); circle.setAttribute("r", 10);
          circle.setAttribute("class", damage.known ? "marker known" : "marker");
          const label = document.createElementNS(SVG, "text");
          label.setAttribute("x", x); label.setAttribute("y", y + 4); label.setAttribute("text-anchor", "middle");
          label.textContent = String(index + 1);
          layer.append(circle, label);
        });
      },

      async addPhoto(event, index) {
        const input = event.target;
        const file = input.files[0];
        const damage = this.damages[index];
        input.value = "";
        if (!file) return;
        damage.status = "Photo en cours d'envoi…";
        try {
          const { blob, preview } = await shrunk(file);
          const form = new FormData();
          form.append("file", blob, "photo.jpg");
          const upload = await send("/api/v1/photos", { method: "POST", body: form });
          damage.photos.push({ upload_id: upload.id, preview });
          damage.status = `${damage.photos.length} photo(s) envoyée(s).`;
        } catch (error) {
          damage.status = "";
          this.error = `Photo non envoyée : ${error.message}`;
        }
      },

      clearSignature(signer) {
        pads[signer].clear();
      },

      async submit() {
        this.error = "";
        const missing = this.damages.find((damage) => !damage.description.trim());
        if (missing) {
          this.error = `Décrivez le dommage n° ${missing.number} (${missing.location}) ou retirez-le.`;
          return;
        }
        if (this.odometer === "" && this.telemetryKm === null) {
          this.error = "Relevez le compteur : la balise ne l'a pas transmis.";
          return;
        }
        const checklist = {};
        for (const box of this.$el.querySelectorAll(".checklist input[type=checkbox]")) checklist[box.name] = box.checked;
        const signed = (signer) => !pads[signer].isEmpty();
        const body = {
          odometer_km: this.odometer === "" ? null : Number(this.odometer),
          odometer_correction_reason: this.needsReason && this.reason.trim() ? this.reason.trim() : null,
          energy_pct: Number(this.energy),
          checklist,
          damages: this.damages.map((damage) => ({
            location: damage.location, description: damage.description.trim(),
            photos: damage.photos.map((photo) => ({ upload_id: photo.upload_id })) })),
          participant_signed: signed("participant"),
          staff_signed: signed("staff"),
          participant_signature: signed("participant") ? pads.participant.toDataURL("image/png") : null,
          staff_signature: signed("staff") ? pads.staff.toDataURL("image/png") : null,
        };
        this.sending = true;
        try {
          await send(`/api/v1/bookings/${this.$el.dataset.loan}/${this.$el.dataset.action}`, {
            method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
          window.location.reload();
        } catch (error) {
          this.error = error.message;
          this.sending = false;
        }
      },
    }));
  });
})();
