"""Routes: `POST /photos` — a coordinator's photo of a damage, checked (JPEG, PNG or WebP by
its content, at most FLEET_PHOTO_MAX_BYTES) and kept until an inspection names it by id."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, UploadFile

from fleet_api.authz import Principal, Role, require
from fleet_api.deps import DbConn, Now, Settings
from fleet_api.errors import ErrorBody
from fleet_api.photos.schemas import PhotoUpload
from loans import photos

router = APIRouter(prefix="/api/v1", tags=["bookings"])
Inspector = Annotated[Principal, require(Role.ADMIN, Role.COORDINATOR)]


@router.post(
    "/photos",
    response_model=PhotoUpload,
    status_code=201,
    responses={415: {"model": ErrorBody, "description": "not a JPEG, PNG or WebP image"}},
)
def upload_photo(
    file: Annotated[UploadFile, File(description="one JPEG, PNG or WebP image")],
    user: Inspector,
    conn: DbConn,
    now: Now,
    settings: Settings,
):
    """Upload one photo (multipart/form-data, field `file`); name it in a check-out or check-in."""
    content = file.file.read(settings.photo_max_bytes + 1)  # the body limit bounds it already
    return photos.store_upload(conn, content=content, max_bytes=settings.photo_max_bytes, user_id=user.user_id, now=now)
