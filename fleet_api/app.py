"""The FastAPI application: one pool per process, opened and closed in the lifespan."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from fleet_api import health
from fleet_api.errors import install_error_handlers
from fleet_api.settings import ApiSettings
from fleetbase.db import open_pool


def create_app(settings: ApiSettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.pool = open_pool(settings, name="fleet_api")
        try:
            yield
        finally:
            app.state.pool.close()

    app = FastAPI(title="Fleet telematics and vehicle loans", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    install_error_handlers(app)
    app.include_router(health.router)
    return app
