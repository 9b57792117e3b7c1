"""The receipt of an état des lieux, in French, as a PDF the participant takes away: the
vehicle, the odometer, the fuel or battery, the checklist, the damages (at check-in, those
new since the departure marked as such) and both signatures as they were drawn."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from fpdf import FPDF
from psycopg.rows import DictRow

from fleetbase import formatting
from fleetbase.db import Conn
from fleetbase.errors import NotFound
from loans import participant_repository, repository, rules
from loans.inspections import CHECKLIST_BY_KIND, CHECKLIST_LABELS, KIND_NAMES
from loans.service import loan_or_404, vehicle_or_error

FONT_DIR = "/usr/share/fonts/truetype/dejavu/"
TITLES = {"checkout": "État des lieux de départ", "checkin": "État des lieux de retour"}
ELECTRIC_KINDS = ("ebike", "ecar")


def energy_name(kind: str) -> str:
    return "Batterie" if kind in ELECTRIC_KINDS else "Carburant"


def receipt_pdf(conn: Conn, loan_id: int, *, kind: str, zone: ZoneInfo) -> bytes:
    """The receipt of the loan's `kind` inspection ('checkout' or 'checkin'); NotFound before it is done."""
    loan = loan_or_404(conn, loan_id, scope=None)
    done = repository.inspections(conn, loan_id)
    if kind not in done:
        raise NotFound(f"{TITLES[kind]} pas encore fait pour le prêt n° {loan_id}.")
    vehicle = vehicle_or_error(conn, loan["vehicle_id"])
    person = (
        participant_repository.get_participant(conn, loan["participant_id"])
        if loan["participant_id"] is not None
        else None
    )
    inspection = done[kind]
    return _build(
        loan=loan,
        vehicle=vehicle,
        person=person,
        inspection=inspection,
        departure=done.get("checkout") if kind == "checkin" else None,
        drawn=repository.signatures(conn, inspection["id"]),
        zone=zone,
    )


class _Receipt(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", size=8)
        self.cell(0, 8, f"Page {self.page_no()}/{{nb}}", align="C")


def _build(
    *,
    loan: DictRow,
    vehicle: DictRow,
    person: DictRow | None,
    inspection: DictRow,
    departure: DictRow | None,
    drawn: dict[str, bytes],
    zone: ZoneInfo,
) -> bytes:
    pdf = _Receipt(format="A4")
    pdf.add_font("DejaVu", fname=FONT_DIR + "DejaVuSans.ttf")
    pdf.add_font("DejaVu", style="B", fname=FONT_DIR + "DejaVuSans-Bold.ttf")
    pdf.set_title(f"{TITLES[inspection['kind']]} — prêt n° {loan['id']}")
    pdf.set_margins(18, 16)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.cell(0, 10, TITLES[inspection["kind"]], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=11)
    name = (
        f"{person['first_name']} {person['last_name']}"
        if person and person.get("first_name")
        else "(données de la personne effacées)"
    )
    lines = [
        f"Plateforme mobilité — prêt n° {loan['id']}",
        f"Véhicule : {vehicle['label']} ({KIND_NAMES.get(vehicle['kind'], vehicle['kind'])})",
        f"Personne : {name}",
        f"Prêt du {rules.when(loan['starts_at'], zone)} au {rules.when(loan['ends_at'], zone)}",
        f"Fait le {rules.when(inspection['created_at'], zone)}",
    ]
    for line in lines:
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    _heading(pdf, "Compteur et énergie")
    _line(
        pdf,
        f"Compteur : {_km(inspection['odometer_km'])}"
        + (
            f" (au départ : {_km(departure['odometer_km'])}, soit"
            f" {_km(inspection['odometer_km'] - departure['odometer_km'])} parcourus)"
            if departure
            else ""
        ),
    )
    if inspection["telemetry_odometer_km"] is not None:
        _line(pdf, f"Compteur d'après la balise : {_km(inspection['telemetry_odometer_km'])}")
    if inspection["odometer_correction_reason"]:
        _line(pdf, f"Raison de la correction : {inspection['odometer_correction_reason']}")
    energy = inspection["energy_pct"]
    _line(pdf, f"{energy_name(vehicle['kind'])} : " + ("non relevé" if energy is None else f"{energy:.0f} %"))
    _heading(pdf, "Équipements remis")
    checklist = inspection["checklist"] or {}
    items = CHECKLIST_BY_KIND.get(vehicle["kind"], tuple(CHECKLIST_LABELS))
    for item in items:
        _line(pdf, f"{CHECKLIST_LABELS[item]} : {'oui' if checklist.get(item) else 'non'}")
    _heading(pdf, "Dommages")
    new = rules.new_damages(departure["damages"], inspection["damages"]) if departure else []
    if not inspection["damages"]:
        _line(pdf, "Aucun dommage noté.")
    photo_counts = [
        sum(1 for photo in inspection["photos"] if photo["damage_index"] == index)
        for index in range(len(inspection["damages"]))
    ]
    for damage, photo_count in zip(inspection["damages"], photo_counts):
        mark = " — nouveau depuis le départ" if damage in new else ""
        photos = f" ({photo_count} photo{'s' if photo_count > 1 else ''})" if photo_count else ""
        _line(pdf, f"• {damage['location']} : {damage['description']}{photos}{mark}")
    _signatures(pdf, drawn, inspection)
    return bytes(pdf.output())


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=11)


def _line(pdf: FPDF, text: str) -> None:
    pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")


def _km(value: float) -> str:
    return formatting.km(value, digits=1)


def _signatures(pdf: FPDF, drawn: dict[str, bytes], inspection: DictRow) -> None:
    _heading(pdf, "Signatures")
    handed = "remis" if inspection["kind"] == "checkout" else "rendu"
    _line(
        pdf,
        f"La personne et la plateforme reconnaissent que cet état des lieux décrit le véhicule tel qu'il a"
        f" été {handed}.",
    )
    if pdf.get_y() > pdf.h - 70:
        pdf.add_page()
    top, width = pdf.get_y(), (pdf.w - pdf.l_margin - pdf.r_margin - 10) / 2
    for column, (signer, caption, signed_at) in enumerate(
        (
            ("participant", "La personne", inspection["participant_signed_at"]),
            ("staff", "Pour la plateforme", inspection["staff_signed_at"]),
        )
    ):
        x = pdf.l_margin + column * (width + 10)
        pdf.set_xy(x, top)
        pdf.cell(width, 6, caption + (" (signé)" if signed_at else ""))
        pdf.rect(x, top + 7, width, 40)
        if signer in drawn:
            pdf.image(io.BytesIO(drawn[signer]), x=x + 2, y=top + 8, w=width - 4, h=38, keep_aspect_ratio=True)
        else:
            pdf.set_xy(x + 2, top + 24)
            pdf.cell(width - 4, 6, "signature non conservée", align="C")
    pdf.set_y(top + 50)
