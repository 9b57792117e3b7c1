"""A broker restart while a phone sends over HTTP loses nothing the phone was told was accepted."""

import threading
import time
from datetime import UTC, datetime, timedelta

import httpx

from tests.ingest.conftest import query, wait_until

START = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
COUNT = 150


class TraccarClient:
    """Sends positions one after the other, as the app does: a position is dropped from its
    buffer only on a 200, anything else (503, a refused connection) is sent again."""

    def __init__(self, url: str, tracker_id: str) -> None:
        self.url, self.tracker_id = url, tracker_id
        self.accepted: set[datetime] = set()
        self.refusals = 0
        self.stop = threading.Event()

    def run(self) -> None:
        with httpx.Client(timeout=10) as http:
            for index in range(COUNT):
                fix_time = START + timedelta(seconds=index)
                params = {
                    "id": self.tracker_id,
                    "timestamp": int(fix_time.timestamp()),
                    "lat": 43.70 + index * 1e-4,
                    "lon": -1.05,
                    "speed": 12,
                }
                while not self.stop.is_set():
                    try:
                        if http.get(self.url, params=params).status_code == 200:
                            self.accepted.add(fix_time)
                            break
                    except httpx.HTTPError:
                        pass
                    self.refusals += 1
                    time.sleep(0.05)  # the app's own pause before it tries again
                time.sleep(0.01)  # one fix every few hundredths of a second, far faster than a phone


def test_a_broker_restart_while_a_phone_sends_loses_nothing_accepted(pipeline_db, broker, worker, ingress):
    phone = TraccarClient(ingress.osmand_url("car-03"), "car-03")
    sender = threading.Thread(target=phone.run, daemon=True)
    sender.start()
    try:
        wait_until(lambda: len(phone.accepted) >= 30, timeout=60)
        broker.restart()  # a graceful restart: Mosquitto writes its queues to disk and reads them back
        accepted_before = len(phone.accepted)
        sender.join(timeout=120)
        assert not sender.is_alive(), (
            f"the phone got {len(phone.accepted)} of {COUNT} positions accepted ({phone.refusals} refusals)"
        )
    finally:
        phone.stop.set()
        sender.join(timeout=10)

    # The restart happened while it was sending. (Whether the phone saw a 503 depends on
    # timing: the ingress's client may reconnect and resend within the PUBACK timeout.)
    assert 30 <= accepted_before < COUNT

    def stored() -> set:
        return {
            row["fix_time"] for row in query(pipeline_db, "SELECT fix_time FROM positions WHERE tracker_id = 'car-03'")
        }

    wait_until(
        lambda: stored() >= phone.accepted,
        timeout=60,
        message=lambda: f"{len(phone.accepted - stored())} accepted positions are missing",
    )
    assert len(phone.accepted) == COUNT and stored() == phone.accepted
