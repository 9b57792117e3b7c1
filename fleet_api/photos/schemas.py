"""PhotoUpload: what `POST /photos` answers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class PhotoUpload(BaseModel):
    id: int = Field(description="the upload id an inspection's damage names (photos: [{upload_id}])")
    content_type: Literal["image/jpeg", "image/png", "image/webp"] = Field(description="from the content itself")
    size_bytes: int
    expires_at: datetime = Field(description="an upload no inspection names by then is deleted")
