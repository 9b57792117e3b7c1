"""The administrator's pages in the real browser: accounts (create, sign-in, change of role,
disabling that ends an open window's session), and vehicles and trackers (a phone set up from
the QR code then publishes through the real Mosquitto into the real ingest worker)."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import uuid
from datetime import UTC, datetime, timedelta

import PIL.Image
import pytest
import zxingcpp
from playwright.sync_api import expect

from fleet.owntracks_setup import CONFIG_URL
from fleet_api.app import create_app
from ingest.settings import IngestSettings
from tests.fleet_api.conftest import Server, api_settings
from tests.ingest.conftest import Worker, scalar, worker_environment
from tests.processes import wait_until
from tests.web.conftest import check_accessibility, screenshots, sign_in


@pytest.fixture
def site(web_db, broker, tmp_path):
    """The app told where the test's broker reads its logins (it rewrites them and sends SIGHUP)."""
    pid_file = tmp_path / "mosquitto.pid"
    pid_file.write_text(str(broker.process.pid))
    settings = api_settings(
        web_db,
        mqtt_url=f"mqtt://127.0.0.1:{broker.files.port}",
        mqtt_password_file=broker.files.password_file,
        mqtt_broker_pid_file=pid_file,
    )
    with Server(create_app(settings)) as server:
        yield server


@pytest.fixture
def worker(web_db, broker):
    env = worker_environment(web_db, broker.files.port, f"ingest-web-{uuid.uuid4().hex[:8]}")
    with Worker(IngestSettings(**{key.removeprefix("FLEET_").lower(): value for key, value in env.items()})) as running:
        yield running


def test_the_administrator_creates_an_account_changes_its_role_and_disabling_it_ends_its_open_window(open_browser):
    admin, admin_watch = open_browser("admin")
    admin.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Utilisateurs").click()
    expect(admin.get_by_role("heading", name="Utilisateurs")).to_be_visible()
    expect(admin.get_by_role("row", name=re.compile(r"^mechanic .*mécanicien·ne"))).to_be_visible()
    check_accessibility(admin)
    screenshots(admin, "utilisateurs")

    admin.get_by_role("button", name="Créer un compte").click()
    admin.get_by_label("Identifiant").fill("m.durand")
    admin.get_by_label("Nom complet").fill("Marc Durand")
    admin.get_by_label("Rôle").select_option(label="mécanicien·ne")
    check_accessibility(admin)
    screenshots(admin, "utilisateur-nouveau")
    admin.get_by_role("button", name="Créer le compte").click()
    expect(admin.get_by_role("heading", name="Compte créé : m.durand")).to_be_visible()
    password = admin.locator("#mot-de-passe-provisoire").inner_text()
    assert len(password) >= 10
    check_accessibility(admin)
    screenshots(admin, "utilisateur-cree")

    person, person_watch = open_browser()
    sign_in(person, "m.durand", password)
    expect(person).to_have_url(re.compile(r"/entretien$"))  # a mechanic's first page
    expect(person.get_by_text("Connecté·e : m.durand — mécanicien·ne")).to_be_visible()
    person.get_by_role("link", name="Alertes").click()  # a page both of the roles below may open
    expect(person).to_have_url(re.compile(r"/alertes$"))

    admin.get_by_role("button", name="Voir le compte").click()
    admin.get_by_label("Rôle").select_option(label="conseiller·ère mobilité")
    admin.get_by_role("button", name="Changer le rôle").click()
    expect(admin.get_by_role("status")).to_have_text("Rôle changé.")
    check_accessibility(admin)
    screenshots(admin, "utilisateur")
    person.reload()  # the same session, now with the new role's menu
    expect(person.get_by_role("link", name="Demandes à traiter")).to_be_attached()

    admin.get_by_role("button", name="Désactiver le compte").click()
    expect(admin.get_by_role("status")).to_have_text("Compte désactivé : ses sessions sont fermées.")
    expect(admin.get_by_text("Désactivé", exact=True)).to_be_visible()

    person.get_by_role("link", name="Participants", exact=True).click()  # their next page
    expect(person).to_have_url(re.compile(r"/connexion\?suite=/participants&expiree=1$"))
    expect(person.get_by_role("status")).to_have_text("Votre session a pris fin : connectez-vous à nouveau.")
    person.get_by_label("Identifiant").fill("m.durand")
    person.get_by_label("Mot de passe").fill(password)
    person_watch.expect_document("/connexion", 401)
    person.get_by_role("button", name="Se connecter").click()
    expect(person.get_by_role("alert")).to_have_text("Identifiant ou mot de passe incorrect.")

    # Nobody disables themself (the last administrator is the one signed in here).
    admin.goto("/utilisateurs")
    admin.get_by_role("link", name="admin", exact=True).click()
    own_page = admin.url.removeprefix(admin.url.split("/utilisateurs")[0])
    admin_watch.expect_document(own_page + "/desactiver", 409)
    admin.get_by_role("button", name="Désactiver le compte").click()
    expect(admin.get_by_role("alert")).to_have_text("Vous ne pouvez pas désactiver votre propre compte.")


def test_a_garage_account_needs_its_garage(open_browser):
    admin, watch = open_browser("admin")
    watch.expect_document("/utilisateurs/nouveau", 422)
    admin.goto("/utilisateurs/nouveau")
    admin.get_by_label("Identifiant").fill("atelier2")
    admin.get_by_label("Nom complet").fill("Second atelier")
    admin.get_by_label("Rôle").select_option(label="garage solidaire")
    admin.get_by_role("button", name="Créer le compte").click()
    expect(admin.get_by_role("alert")).to_have_text("Choisissez le garage de ce compte « garage solidaire ».")
    expect(admin.get_by_label("Identifiant")).to_have_value("atelier2")


def owntracks_location(config: dict, document: dict) -> bool:
    """What the OwnTracks app publishes with this configuration; True when the broker took it."""
    result = subprocess.run(
        [
            "mosquitto_pub",
            "-h",
            config["host"],
            "-p",
            str(config["port"]),
            "-V",
            "mqttv311",
            "-q",
            "1",
            "-i",
            config["clientId"],
            "-u",
            config["username"],
            "-P",
            config["password"],
            "-t",
            f"owntracks/{config['username']}/{config['deviceId']}",
            "-m",
            json.dumps(document),
        ],
        capture_output=True,
        timeout=10,
    )
    return result.returncode == 0


def test_the_administrator_adds_a_vehicle_and_a_phone_set_up_from_the_qr_code_publishes_until_disabled(
    open_browser, web_db, broker, worker, tmp_path
):
    admin, watch = open_browser("admin")
    admin.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Véhicules et balises").click()
    expect(admin.get_by_role("heading", name="Véhicules et balises")).to_be_visible()
    check_accessibility(admin)
    screenshots(admin, "parc")

    admin.get_by_role("button", name="Ajouter un véhicule").click()
    admin.get_by_label("Nom du véhicule").fill("clio-09")
    admin.get_by_label("Type").select_option(label="Voiture")
    admin.get_by_label("Énergie").select_option(label="Essence")
    admin.get_by_label("Immatriculation (sauf vélo)").fill("gh-909-ld")
    admin.get_by_label("Dépôt").select_option(index=1)
    check_accessibility(admin)
    screenshots(admin, "vehicule-nouveau")
    admin.get_by_role("button", name="Ajouter le véhicule").click()
    expect(admin.get_by_role("status")).to_have_text("Véhicule ajouté.")
    added = admin.get_by_role("row", name=re.compile(r"^clio-09 Voiture GH-909-LD .* Disponible aucune$"))
    expect(added).to_be_in_viewport()  # the page opens on it

    admin.get_by_role("button", name="Enregistrer une balise").click()
    admin.get_by_label("Identifiant de la balise").fill("tel-clio-09")
    admin.get_by_label("Véhicule").select_option(label="clio-09 (Voiture)")
    check_accessibility(admin)
    screenshots(admin, "balise-nouvelle")
    admin.get_by_role("button", name="Enregistrer la balise").click()
    expect(admin.get_by_role("heading", name="Balise tel-clio-09 enregistrée")).to_be_visible()
    login = admin.locator("#mqtt-identifiant").inner_text()
    password = admin.locator("#mqtt-mot-de-passe").inner_text()
    assert login == "tel-clio-09" and len(password) >= 20
    check_accessibility(admin)
    screenshots(admin, "balise-enregistree")

    # The QR code, as a phone's camera sees it.
    picture = tmp_path / "qr.png"
    admin.locator("#qr-owntracks").screenshot(path=picture)
    decoded = zxingcpp.read_barcodes(PIL.Image.open(picture))
    assert len(decoded) == 1 and decoded[0].format == zxingcpp.BarcodeFormat.QRCode
    link = decoded[0].text
    assert link.startswith(CONFIG_URL)
    config = json.loads(base64.b64decode(link.removeprefix(CONFIG_URL), validate=True))
    assert config["_type"] == "configuration" and config["mode"] == 0 and config["auth"] is True
    assert (config["username"], config["password"], config["deviceId"]) == (login, password, login)
    assert (config["host"], config["port"], config["tls"]) == ("127.0.0.1", broker.files.port, False)
    assert len(config["tid"]) == 2

    # Shown once: reloading posts the form again, which is refused, and shows no password.
    watch.expect_document("/parc/balises/nouvelle", 422)
    admin.reload()
    expect(admin.get_by_role("alert")).to_have_text("Ce tracker est déjà enregistré.")
    assert password not in admin.content()
    admin.goto("/parc")
    assert password not in admin.content()

    # The phone publishes its position as the app does; the worker stores it on the vehicle.
    fix = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    location = {
        "_type": "location",
        "tst": int(fix.timestamp()),
        "lat": 43.8931,
        "lon": -0.4996,
        "batt": 81,
        "tid": config["tid"],
    }
    wait_until(
        lambda: owntracks_location(config, location),
        timeout=15,
        message="the broker never accepted the login of the QR code",
    )
    wait_until(
        lambda: scalar(web_db, "SELECT count(*) FROM positions WHERE tracker_id = 'tel-clio-09'") >= 1,
        timeout=30,
        message="the phone's position was not stored",
    )
    assert (
        scalar(
            web_db,
            "SELECT v.label FROM positions p JOIN vehicles v ON v.id = p.vehicle_id"
            " WHERE p.tracker_id = 'tel-clio-09' LIMIT 1",
        )
        == "clio-09"
    )
    admin.reload()
    expect(admin.get_by_role("row", name=re.compile(r"^tel-clio-09 .* clio-09 Active il y a"))).to_be_visible()

    admin.get_by_role("button", name="Désactiver la balise tel-clio-09").click()
    expect(admin.get_by_role("status")).to_have_text("Balise désactivée : le serveur MQTT refuse sa connexion.")
    expect(admin.get_by_role("row", name=re.compile(r"^tel-clio-09 .* Désactivée"))).to_be_visible()
    wait_until(
        lambda: not owntracks_location(config, location | {"tst": location["tst"] + 30}),
        timeout=15,
        message="the broker still accepts a disabled tracker",
    )
    screenshots(admin, "parc-apres")


def test_the_fleet_manager_reads_vehicles_and_trackers_but_changes_nothing(open_browser):
    manager, watch = open_browser("fleet_manager")
    manager.goto("/parc")
    expect(manager.get_by_role("row", name=re.compile(r"^car-01 "))).to_have_count(2)  # its vehicle and its tracker
    expect(manager.get_by_text("Ajouter un véhicule")).to_have_count(0)
    expect(manager.get_by_role("button", name=re.compile("Désactiver"))).to_have_count(0)
    check_accessibility(manager)
    watch.expect_document("/parc/balises/nouvelle", 403)
    manager.goto("/parc/balises/nouvelle")
    expect(manager.get_by_role("heading", name="Accès refusé")).to_be_visible()


def test_a_forgotten_password_is_replaced_by_a_temporary_one_shown_once(open_browser):
    coordinator, _ = open_browser("coordinator")
    admin, _ = open_browser("admin")
    admin.goto("/utilisateurs")
    admin.get_by_role("link", name="coordinator", exact=True).click()
    admin.get_by_role("button", name="Donner un nouveau mot de passe provisoire").click()
    expect(admin.get_by_role("status")).to_have_text(
        "Nouveau mot de passe provisoire : ses sessions ouvertes sont fermées."
    )
    password = admin.locator("#mot-de-passe-provisoire").inner_text()
    admin.get_by_role("link", name="← Utilisateurs").click()
    assert password not in admin.content()

    coordinator.reload()
    expect(coordinator).to_have_url(re.compile(r"/connexion\?suite=\S+&expiree=1$"))
    sign_in(coordinator, "coordinator", password)
    expect(coordinator).to_have_url(re.compile(r"/demandes-a-traiter$"))
