"""The API process's settings (`FLEET_API_*`, `FLEET_TOKEN_*`, … and the shared `FLEET_*`)."""

from pathlib import Path

from pydantic import Field

from fleetbase.settings import FleetSettings


class ApiSettings(FleetSettings):
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    # Processes serving the one address (uvicorn's workers). Each keeps its own pool and
    # LISTEN; sessions, login throttling and the stream hold across them (database-backed).
    api_processes: int = Field(default=1, ge=1, le=64)
    # HTTPS straight from uvicorn when both are set (certificate and key from files);
    # behind a reverse proxy that terminates TLS, leave them unset.
    api_tls_certfile: Path | None = None
    api_tls_keyfile: Path | None = None
    health_timeout_s: float = Field(default=2.0, gt=0)
    # /healthz answers from a probe of the database and the broker at most this old.
    health_cache_s: float = Field(default=5.0, ge=0)

    # Bearer tokens are opaque random strings; only their SHA-256 is stored.
    token_ttl_s: int = Field(default=8 * 3600, ge=60)
    # After this many failed logins for one username from one address, each further
    # failure blocks that pair for login_block_s × 2^(extra failures), at most login_block_max_s.
    login_free_failures: int = Field(default=5, ge=1)
    login_block_s: float = Field(default=30.0, gt=0)
    login_block_max_s: float = Field(default=900.0, gt=0)

    # Where the project's Mosquitto reads its logins, and the file holding its pid: when
    # both are set, registering or disabling a tracker rewrites the file and sends SIGHUP.
    mqtt_password_file: Path | None = None
    mqtt_broker_pid_file: Path | None = None
    # Where phones reach the HTTP ingress (python -m ingest.http_ingress), as they must
    # type it: the registration answer gives each tracker its URLs under it.
    http_ingress_public_url: str = Field(default="http://127.0.0.1:8055", pattern=r"^https?://[^\s/]+(/[^\s]*)?$")
    # Where phones and boxes reach the broker, as they must be told (a new tracker's login and
    # its OwnTracks QR code). Unset: the host and port of FLEET_MQTT_URL, right only when the
    # trackers see the broker at the services' address; TLS unset: as FLEET_MQTT_URL (mqtts://).
    public_mqtt_host: str | None = Field(default=None, pattern=r"^[A-Za-z0-9.:\[\]-]{1,253}$")
    public_mqtt_port: int | None = Field(default=None, ge=1, le=65535)
    public_mqtt_tls: bool | None = None

    # Request bodies: at most api_body_max_bytes (413 beyond, announced or streamed);
    # a photo upload (POST /api/v1/photos) at most photo_max_bytes of image.
    api_body_max_bytes: int = Field(default=1024 * 1024, ge=1024)
    photo_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1000)

    # Web application (fleet_api/web): a session ends after web_session_idle_s unused, and
    # web_session_max_s after sign-in in any case. The session cookie is `Secure` when the page
    # is served over HTTPS (behind a proxy: uvicorn's --proxy-headers), or always if web_cookie_secure.
    web_session_idle_s: int = Field(default=2 * 3600, ge=60)
    web_session_max_s: int = Field(default=12 * 3600, ge=60)
    web_cookie_secure: bool = False
    # The front-end packages (`npm ci` at the repository's root puts them there).
    web_vendor_dir: Path = Path(__file__).resolve().parent.parent / "node_modules"
    # A tile server for the map in production (`https://tiles.example/{z}/{x}/{y}.png`) and its
    # attribution; without one the map draws its own base layer (coast, towns, roads).
    map_tile_url: str | None = None
    map_tile_attribution: str = ""
    # Santé des balises reloads its table by itself this often (htmx, no page reload).
    web_health_refresh_s: int = Field(default=30, ge=1, le=3600)
    # The workshop's wall screen (/ecran/<token>) redraws its board every web_wall_refresh_s.
    web_wall_refresh_s: int = Field(default=30, ge=1, le=3600)
    # Alertes fetches the role's new alerts this often (htmx, no page reload).
    web_alerts_refresh_s: int = Field(default=15, ge=1, le=3600)

    # Live stream: a comment line this often keeps proxies from closing an idle stream.
    stream_keepalive_s: float = Field(default=15.0, gt=0)
    # History: the most fixes an export of every fix (no max_points) or a trips request
    # reads, counted before any is; and the default max_points (downsampled in the database).
    history_max_fixes: int = Field(default=200_000, ge=1000)
    history_default_points: int = Field(default=2000, ge=2)

    @property
    def tracker_broker(self) -> tuple[str, int, bool]:
        """(host, port, TLS) of the broker as trackers reach it."""
        tls = self.mqtt_tls if self.public_mqtt_tls is None else self.public_mqtt_tls
        return (self.public_mqtt_host or self.mqtt_host, self.public_mqtt_port or self.mqtt_port, tls)
