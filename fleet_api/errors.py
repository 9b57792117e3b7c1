"""The one table from error class to HTTP status, and the handlers that answer with it.

Every error the API returns has the shape `{"error": "<Kind>", "detail": "<text>"}`;
request validation errors and unknown routes included.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from accounts.errors import TooManyAttempts, Unauthenticated
from fleet_api.web.pages import is_page
from fleetbase.errors import Conflict, FleetError, Forbidden, InvalidInput, NotFound
from fleetbase.integrity import REFUSALS, refusal_error
from loans.photos import NotAPhoto, PhotoTooLarge

log = logging.getLogger(__name__)

STATUS_BY_ERROR: dict[type[FleetError], int] = {
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    InvalidInput: 422,
    NotAPhoto: 415,
    PhotoTooLarge: 413,
    TooManyAttempts: 429,
}

KIND_BY_STATUS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    422: "InvalidInput",
    429: "TooManyRequests",
}


PAGE_DETAILS = {404: "Cette page n'existe pas.", 405: "Cette action n'est pas possible sur cette page."}


class ErrorBody(BaseModel):
    """Every error answer."""

    error: str
    detail: str


# Documented on every route, so the OpenAPI schema tells clients (and schemathesis) the truth.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": KIND_BY_STATUS[status]}
    for status in (400, 401, 403, 404, 409, 413, 422, 429)
}


def status_for(error: FleetError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 400


def error_body(kind: str, detail: str) -> dict[str, str]:
    return {"error": kind, "detail": detail}


def error_response(error: FleetError) -> JSONResponse:
    """The answer for `error`, for the rare route that must return rather than raise it."""
    headers = {}
    if isinstance(error, Unauthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(error, TooManyAttempts):
        headers["Retry-After"] = str(error.retry_after_s)
    return JSONResponse(error_body(type(error).__name__, error.detail), status_code=status_for(error), headers=headers)


def _page_error(request: Request, status_code: int, detail: str):
    """A web page's error is the French HTML page (fleet_api.web.mount), not JSON; None for the API."""
    render = getattr(request.app.state, "page_error", None)
    if render is None or not is_page(request):
        return None
    return render(request, status_code, detail)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(FleetError)
    async def fleet_error(request: Request, error: FleetError) -> JSONResponse:
        page = _page_error(request, status_for(error), error.detail)
        return page if page is not None else error_response(error)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem.get('loc', ()))}: {problem.get('msg', '')}"
            for problem in error.errors()
        )
        page = _page_error(request, 422, "Cette adresse ou cette saisie n'est pas valable.")
        if page is not None:
            return page
        return JSONResponse(error_body("InvalidInput", problems or "invalid request"), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        kind = KIND_BY_STATUS.get(error.status_code, "HTTPError")
        detail = error.detail if isinstance(error.detail, str) else kind
        page = _page_error(request, error.status_code, PAGE_DETAILS.get(error.status_code, detail))
        if page is not None:
            return page
        return JSONResponse(
            error_body(kind, detail), status_code=error.status_code, headers=getattr(error, "headers", None)
        )

    async def database_refusal(request: Request, error: psycopg.Error) -> JSONResponse:
        # A value the database cannot hold, a broken constraint, a concurrent change: the
        # caller's input or timing, answered with the same sentences as the repositories'.
        mapped = refusal_error(error)
        if mapped is None:
            raise error
        log.info("refused by the database: %s: %s", type(error).__name__, error)
        return error_response(mapped)

    # Registered as the handlers above are: add_exception_handler's type takes only a handler of any Exception.
    for refusal in REFUSALS:
        app.exception_handler(refusal)(database_refusal)
