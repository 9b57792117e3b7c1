"""The OwnTracks set-up link: the app's documented `owntracks:///config?inline=` form."""

import base64
import json

from fleet.owntracks_setup import CONFIG_URL, app_configuration, config_url, two_letter_tid


def test_the_link_holds_the_trackers_mqtt_login_in_base64_json():
    configuration = app_configuration(
        tracker_id="tel-clio-09",
        password="s3cret",
        host="suivi.example.fr",
        port=8883,
        tls=True,
        encryption_key="Sel de Mimizan",
    )
    link = config_url(configuration)
    assert link.startswith(CONFIG_URL)
    decoded = json.loads(base64.b64decode(link.removeprefix(CONFIG_URL), validate=True))
    assert decoded == configuration
    assert decoded["_type"] == "configuration" and decoded["mode"] == 0 and decoded["auth"] is True
    assert (decoded["username"], decoded["deviceId"], decoded["password"]) == ("tel-clio-09", "tel-clio-09", "s3cret")
    assert (decoded["host"], decoded["port"], decoded["tls"]) == ("suivi.example.fr", 8883, True)
    assert decoded["encryptionKey"] == "Sel de Mimizan" and decoded["tid"] == "09"


def test_without_a_key_the_app_sends_in_clear_and_the_tid_is_two_characters():
    configuration = app_configuration(tracker_id="a-b", password="x", host="h", port=1883, tls=False)
    assert "encryptionKey" not in configuration
    assert two_letter_tid("a-b") == "AB" and two_letter_tid("ecar-07") == "07"
