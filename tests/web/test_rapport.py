"""Rapport d'activité in the browser: the fleet manager reads the funders' report as charts
and tables whose figures are the API's, chooses a period and downloads the CSV."""

from __future__ import annotations

import csv
import io
import re

from babel.numbers import format_decimal
from playwright.sync_api import expect

from fleetbase.db import connect
from tests.web.conftest import check_accessibility, screenshots
from tests.web.report_loans import GRAND_DAX, previous_month, returned_loan

SEIGNANX = "Communauté de communes du Seignanx"
KINDS = ("car", "scooter", "ebike", "ecar")


def french(value: float | None, digits: int) -> str:
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0." + "0" * digits, locale="fr_FR")


def percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def drawn_pixels(page, canvas_id: str) -> int:
    """How many pixels of the chart's canvas are painted."""
    return page.evaluate(
        """(id) => {
        const canvas = document.getElementById(id);
        const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
        return painted;
    }""",
        canvas_id,
    )


def fill_report(database_url: str) -> None:
    with connect(database_url) as conn:
        people = [
            conn.execute(
                "INSERT INTO participants (first_name, last_name, intercommunality)"
                " VALUES ('P', %(name)s, %(place)s) RETURNING id",
                {"name": f"Nom {i}", "place": place},
            ).fetchone()["id"]
            for i, place in enumerate((GRAND_DAX, GRAND_DAX, SEIGNANX))
        ]
    returned_loan(database_url, participant_id=people[0], vehicle="car-01", out_day=1, back_day=9, km=321.5)
    returned_loan(database_url, participant_id=people[1], vehicle="scooter-02", out_day=3, back_day=20, km=140.0)
    returned_loan(
        database_url,
        participant_id=people[2],
        vehicle="ebike-04",
        out_day=12,
        back_day=26,
        km=96.2,
        intercommunality=SEIGNANX,
    )


def test_the_fleet_manager_reads_the_report_as_charts_and_tables_equal_to_the_api_and_downloads_the_csv(
    open_browser, web_db
):
    fill_report(web_db)
    page, _ = open_browser("fleet_manager")
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Rapport d'activité").click()
    expect(page.get_by_role("heading", name="Rapport d'activité", exact=True)).to_be_visible()
    page.wait_for_function("() => window.activityCharts && window.activityCharts.length === 3")
    for canvas in ("graphique-prets", "graphique-jours", "graphique-utilisation"):
        expect(page.locator(f"canvas#{canvas}")).to_be_visible()
        assert drawn_pixels(page, canvas) > 2000, f"{canvas} is blank"

    first = page.get_by_label("Du mois").input_value()
    last = page.get_by_label("Au mois").input_value()
    api = page.request.get(f"/api/v1/reports/activity?from={first}&to={last}").json()
    assert len({row["month"] for row in api["rows"]}) == 6 and last == api["last_month"]
    kinds = [
        kind
        for kind in KINDS
        if any(row["utilisation"][kind] is not None for row in api["rows"] if row["intercommunality"] == "Total")
    ]
    shown = [row.locator("td").all_inner_texts() for row in page.locator("#table-detail tbody tr").all()]
    assert shown == [
        [
            row["month"],
            row["intercommunality"],
            str(row["participants"]),
            str(row["loans_started"]),
            str(row["loans_ended"]),
            french(row["loan_days"], 2),
            french(row["km"], 1),
            *(french(percent(row["utilisation"][kind]), 1) for kind in kinds),
        ]
        for row in api["rows"]
    ]
    total = next(row for row in api["rows"] if row["month"] == previous_month() and row["intercommunality"] == "Total")
    assert (total["participants"], total["loans_ended"], total["km"]) == (3, 3, 557.7)
    totals = [row for row in api["rows"] if row["intercommunality"] == "Total"]
    assert [row.locator("td").all_inner_texts() for row in page.locator("#table-mois tbody tr").all()] == [
        [
            str(row["participants"]),
            str(row["loans_started"]),
            str(row["loans_ended"]),
            french(row["loan_days"], 1),
            french(row["km"], 1),
        ]
        for row in totals
    ]
    expect(page.locator("#table-jours").get_by_role("row", name=re.compile("Seignanx"))).to_be_visible()
    check_accessibility(page)
    screenshots(page, "rapport")
    page.get_by_role("heading", name="Jours de prêt par intercommunalité").scroll_into_view_if_needed()
    screenshots(page, "rapport-intercommunalites")

    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger le tableau (CSV)").click()
    assert download.value.suggested_filename == f"activite-{first}-{last}.csv"
    text = open(download.value.path(), encoding="utf-8", newline="").read()
    assert text == page.request.get(f"/api/v1/reports/activity.csv?from={first}&to={last}").text()
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert lines[0][:3] == ["mois", "intercommunalité", "personnes suivies"]
    assert [previous_month(), "Total", "3", "3", "3"] == lines[1 + api["rows"].index(total)][:5]

    # Another period: the last month alone; then a period backwards, refused in French.
    page.get_by_label("Du mois").fill(previous_month())
    page.get_by_label("Au mois").fill(previous_month())
    page.get_by_role("button", name="Afficher").click()
    expect(page).to_have_url(re.compile(rf"du={previous_month()}&au={previous_month()}$"))
    expect(page.locator("#table-mois tbody tr")).to_have_count(1)
    page.wait_for_function("() => window.activityCharts && window.activityCharts.length === 3")
    assert drawn_pixels(page, "graphique-jours") > 2000
    page.goto("/rapport?du=2026-05&au=2026-02")
    expect(page.get_by_role("alert")).to_have_text("Le mois de fin doit suivre le mois de début.")
    check_accessibility(page)
