"""A participant's export and erasure (docs/PRIVACY.md): nothing personal left, statistics kept."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from fleetbase.errors import Conflict
from loans import inspections, participants, report, service
from tests.factories import SIGNED, user_id
from tests.loans.factories import NOW, PARIS, active, make_participant, request

DAY = timedelta(days=1)
PERSONAL = ("first_name", "last_name", "phone", "email", "municipality", "referred_by_user_id")


def test_the_export_holds_the_person_and_their_loans_and_is_audited(conn):
    person = make_participant(conn)
    loan = request(conn, participant=person, vehicle="car-01", starts_at=NOW + DAY)

    export = participants.export_participant(conn, person, user_id=user_id(conn), now=NOW)

    assert export["participant"]["last_name"] == "Lafitte"
    assert export["participant"]["licences"] == [{"category": "B", "checked_on": "2026-01-10"}]
    assert [row["id"] for row in export["loans"]] == [loan["id"]]
    audit = conn.execute("SELECT action, subject_id FROM audit_log WHERE subject_type = 'participant'").fetchall()
    assert audit == [{"action": "export_participant", "subject_id": str(person)}]


def test_erasure_leaves_no_personal_field_and_keeps_the_loan_statistics(conn):
    person = make_participant(conn)
    loan = active(conn, participant=person, vehicle="car-02", starts_at=NOW, days=10, odometer_km=8000)
    inspections.check_in(
        conn,
        loan["id"],
        inspection={"odometer_km": 8350, **SIGNED},
        user_id=user_id(conn),
        now=NOW + 9 * DAY,
        zone=PARIS,
    )
    figures_before = report.activity_report(
        conn, first=date(2026, 12, 1), last=date(2026, 12, 1), now=NOW + 20 * DAY, zone=PARIS
    )

    erased = participants.erase_participant(conn, person, user_id=user_id(conn), now=NOW + 20 * DAY)

    row = conn.execute("SELECT * FROM participants WHERE id = %(id)s", {"id": person}).fetchone()
    assert all(row[field] is None for field in PERSONAL) and row["notes"] == ""
    assert erased["licences"] == [] and erased["erased_at"] is not None
    assert (
        conn.execute(
            "SELECT count(*) AS n FROM participant_licences WHERE participant_id = %(id)s", {"id": person}
        ).fetchone()["n"]
        == 0
    )
    kept = service.loan_or_404(conn, loan["id"], scope=None)
    assert kept["participant_id"] is None
    assert (kept["status"], kept["purpose"], kept["odometer_km_driven"]) == ("returned", "job", 350)
    assert kept["intercommunality"] == "Communauté de communes du Seignanx"
    assert (
        report.activity_report(conn, first=date(2026, 12, 1), last=date(2026, 12, 1), now=NOW + 20 * DAY, zone=PARIS)
        == figures_before
    )
    assert (
        conn.execute("SELECT action FROM audit_log WHERE subject_id = %(id)s", {"id": str(person)}).fetchone()["action"]
        == "erase_participant"
    )


def test_erasure_waits_for_the_vehicle_to_come_back(conn):
    person = make_participant(conn)
    active(conn, participant=person, vehicle="car-03", starts_at=NOW, days=10)

    with pytest.raises(Conflict, match="n'est pas terminé"):
        participants.erase_participant(conn, person, user_id=user_id(conn), now=NOW + DAY)


def test_a_prescriber_sees_only_their_structure(conn):
    own = make_participant(conn)
    other = make_participant(conn, prescriber_id=2, last_name="Ailleurs")

    assert participants.participant_or_404(conn, own, scope={"prescriber_id": 1})["id"] == own
    with pytest.raises(Exception, match="inconnue"):
        participants.participant_or_404(conn, other, scope={"prescriber_id": 1})
