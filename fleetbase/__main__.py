"""`python -m fleetbase <command>`: database and broker set-up for every component."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import psycopg
from psycopg import sql

from fleetbase.broker import BrokerFiles, service_logins, write_config, write_password_file
from fleetbase.db import connect
from fleetbase.errors import ConfigurationError, FleetError
from fleetbase.migrate import apply_migrations
from fleetbase.nats import NatsNode, nats_users, write_nats_config
from fleetbase.seed import seed_demo
from fleetbase.settings import FleetSettings


def create_database(database_url: str) -> bool:
    """Create the database named in the URL when missing; return True if created."""
    info = psycopg.conninfo.conninfo_to_dict(database_url)
    name = str(info.get("dbname") or "fleet")
    admin_url = psycopg.conninfo.make_conninfo(database_url, dbname="postgres")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fleetbase", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("create-db", help="create the database named by FLEET_DATABASE_URL if missing")
    commands.add_parser("migrate", help="apply pending schema migrations")
    commands.add_parser("seed", help="load the demo fleet and users (demo mode only)")
    broker = commands.add_parser("broker-config", help="write a Mosquitto configuration and password file")
    broker.add_argument("directory", type=Path)
    broker.add_argument("--port", type=int, default=None)
    broker.add_argument(
        "--log-to",
        choices=("file", "stderr"),
        default="file",
        help="stderr under systemd, whose journal keeps and rotates it",
    )
    node = commands.add_parser("nats-config", help="write one NATS node's configuration (users from the trackers)")
    node.add_argument("directory", type=Path)
    node.add_argument("--name", default="fleet-nats-1", help="this node's server_name, unique in the cluster")
    node.add_argument("--client-port", type=int, default=4222)
    node.add_argument("--mqtt-port", type=int, default=None, help="the trackers' port (default: FLEET_MQTT_URL's)")
    node.add_argument("--bind", default="127.0.0.1")
    node.add_argument("--cluster-port", type=int, default=None, help="this node's route port (a cluster)")
    node.add_argument(
        "--route",
        action="append",
        default=[],
        metavar="nats-route://HOST:PORT",
        help="another node of the cluster (repeat for each)",
    )
    node.add_argument("--log-to", choices=("file", "stderr"), default="file")
    args = parser.parse_args(argv)

    try:
        settings = FleetSettings.load()
        if args.command == "create-db":
            created = create_database(settings.database_url)
            print("database created" if created else "database already exists")
        elif args.command == "migrate":
            applied = apply_migrations(settings.database_url, storage_backend=settings.storage_backend)
            print(f"applied {len(applied)} migration(s): {', '.join(applied)}" if applied else "schema up to date")
        elif args.command == "seed":
            with connect(settings.database_url) as conn:
                report = seed_demo(conn, settings=settings)
            print(
                f"seed added {report.vehicles} vehicles, {report.trackers} trackers,"
                f" {report.geofences} geofences, {report.users} users"
            )
        elif args.command == "broker-config":
            if (settings.broker_tls_certfile is None) != (settings.broker_tls_keyfile is None):
                raise ConfigurationError("set both FLEET_BROKER_TLS_CERTFILE and FLEET_BROKER_TLS_KEYFILE, or neither")
            files = BrokerFiles(
                args.directory.resolve(),
                port=args.port or settings.mqtt_port,
                log_to=args.log_to,
                tls_port=settings.broker_tls_port,
                tls_certfile=Path(settings.broker_tls_certfile) if settings.broker_tls_certfile else None,
                tls_keyfile=Path(settings.broker_tls_keyfile) if settings.broker_tls_keyfile else None,
            )
            write_config(files)
            with connect(settings.database_url) as conn:
                count = write_password_file(conn, files.password_file, service_logins=service_logins(settings))
            print(f"wrote {files.config} with {count} logins")
        elif args.command == "nats-config":
            if args.route and args.cluster_port is None:
                raise ConfigurationError("--route needs --cluster-port (this node's own route port)")
            nats_node = NatsNode(
                args.name,
                args.directory.resolve(),
                client_port=args.client_port,
                mqtt_port=args.mqtt_port or settings.mqtt_port,
                bind_address=args.bind,
                cluster_port=args.cluster_port,
                route_urls=tuple(args.route),
                log_to=args.log_to,
            )
            with connect(settings.database_url) as conn:
                users = nats_users(
                    conn,
                    service_logins=service_logins(settings),
                    ingest_login=settings.mqtt_username,
                    demo_password=settings.demo_password.get_secret_value() if settings.demo_mode else None,
                )
            write_nats_config(nats_node, users)
            print(f"wrote {nats_node.config} with {len(users.lines)} logins (stream replicas {nats_node.replicas})")
            if users.skipped:
                print(
                    f"{len(users.skipped)} tracker(s) left out, registered before NATS support (no bcrypt"
                    f" hash; set their password again): {', '.join(users.skipped)}",
                    file=sys.stderr,
                )
    except FleetError as error:
        print(f"error: {error.detail}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
