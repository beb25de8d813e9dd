"""Settings of the API that the shared ``Settings`` does not cover."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    """API settings from environment variables with the prefix ``SATISFACTION_``."""

    model_config = SettingsConfigDict(env_prefix="SATISFACTION_", extra="ignore")

    api_stage: str | None = Field(
        None,
        description="API Gateway stage name when the API is called under a stage "
        "prefix (/prod/...). Unset for an HTTP API $default stage or a custom domain.",
    )
    model_retry_seconds: float = Field(
        60.0,
        ge=0,
        description="Seconds to keep returning 503 after a failed model load "
        "before the next request tries again.",
    )

    def base_path(self) -> str:
        """Return the stage prefix, e.g. '/prod', or '' without a stage."""
        stage = (self.api_stage or "").strip("/")
        return f"/{stage}" if stage and stage != "$default" else ""
