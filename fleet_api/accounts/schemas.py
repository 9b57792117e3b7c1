"""What the accounts routes read and answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from fleet_api.authz import Role
from fleet_api.schemas import Name, RefId, Text

Username = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{1,63}$")]
Password = Annotated[str, StringConstraints(min_length=10, max_length=200, pattern=r"^[^\x00]*$")]


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="seconds until the token expires")


class User(BaseModel):
    id: int
    username: str
    full_name: str
    email: str | None
    role: Role
    garage_id: int | None
    prescriber_id: int | None
    disabled_at: datetime | None
    created_at: datetime


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Username
    full_name: Name
    email: Text | None = None
    role: Role
    password: Password
    garage_id: RefId | None = Field(default=None, description="required for garage_partner")
    prescriber_id: RefId | None = Field(default=None, description="required for prescriber")


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    full_name: Name | None = None
    email: Text | None = None
    role: Role | None = None
    garage_id: RefId | None = None
    prescriber_id: RefId | None = None
    disabled: bool | None = Field(default=None, description="true: the user can no longer sign in")
    password: Password | None = None
