"""The HTTP side of the ingress: routes, body limit, answers. The work is in service.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from fleetbase.db import open_pool
from ingest.decoding import Limits
from ingest.http_ingress.publisher import Publisher
from ingest.http_ingress.service import Answer, Ingress
from ingest.http_ingress.settings import HttpIngressSettings


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(settings: HttpIngressSettings, *, clock: Callable[[], datetime] = utc_now) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        publisher = Publisher(
            host=settings.mqtt_host,
            port=settings.mqtt_port,
            password=settings.broker_password,
            client_id=settings.http_ingress_client_id,
        )
        publisher.start()
        pool = open_pool(settings, name="http-ingress")
        app.state.ingress = Ingress(
            pool=pool,
            publisher=publisher,
            publish_timeout_s=settings.http_ingress_publish_timeout_s,
            limits=Limits(
                future_tolerance=timedelta(seconds=settings.ingest_future_tolerance_s),
                max_age=timedelta(days=settings.retention_days),
            ),
            worker_id=settings.http_ingress_client_id,
            clock=clock,
        )
        try:
            yield
        finally:
            publisher.stop()
            pool.close()

    app = FastAPI(title="Fleet HTTP ingress", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)

    async def body_of(request: Request) -> bytes | None:
        """The body, or None past the limit (announced or streamed)."""
        limit = settings.http_ingress_body_max_bytes
        if int(request.headers.get("content-length") or 0) > limit:
            return None
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                return None
        return bytes(body)

    @app.api_route("/osmand/{secret}", methods=["GET", "POST"])
    async def osmand(secret: str, request: Request) -> Response:
        """One OsmAnd position: query string, form body or JSON body (Traccar Client, OsmAnd, GPSLogger)."""
        body = await body_of(request)
        if body is None:
            return _too_large()
        answer = await run_in_threadpool(
            app.state.ingress.osmand,
            secret,
            query=list(request.query_params.multi_items()),
            raw_query=request.url.query,
            body=body,
            content_type=request.headers.get("content-type", ""),
        )
        return _response(answer)

    @app.post("/owntracks/{secret}")
    async def owntracks(secret: str, request: Request) -> Response:
        """One OwnTracks message, as the app in HTTP mode posts it."""
        body = await body_of(request)
        if body is None:
            return _too_large()
        return _response(await run_in_threadpool(app.state.ingress.owntracks, secret, body=body))

    @app.get("/healthz")
    async def healthz() -> Response:
        """200 while the broker connection is up (what a load balancer needs), else 503."""
        if app.state.ingress.publisher.connected:
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "degraded"}, status_code=503)

    return app


def _response(answer: Answer) -> Response:
    if answer.body is None:
        return Response(status_code=answer.status, headers=answer.headers)
    return JSONResponse(answer.body, status_code=answer.status, headers=answer.headers)


def _too_large() -> Response:
    return JSONResponse(
        {"error": "PayloadTooLarge", "detail": "Requête trop volumineuse pour une position."}, status_code=413
    )
