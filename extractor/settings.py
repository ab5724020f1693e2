"""All settings in one place: explicit values (flags, arguments) → EXTRACTOR_* environment →
OPENAI_API_KEY / OPENAI_BASE_URL → defaults. This is the only module that reads the environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Mode = Literal["tools", "json_schema", "md_json"]


class Settings(BaseSettings):
    """Settings of a run. Construct with keyword arguments to override the environment."""

    model_config = SettingsConfigDict(
        env_prefix="EXTRACTOR_", extra="ignore", populate_by_name=True, validate_default=True
    )

    backend: Literal["rules", "openai"] | None = Field(
        default=None, description="rules | openai; default: openai when a model is set, else rules"
    )
    # --- model endpoint ---
    base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("EXTRACTOR_BASE_URL", "OPENAI_BASE_URL", "base_url"),
    )
    api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("EXTRACTOR_API_KEY", "OPENAI_API_KEY", "api_key"),
    )
    model: str | None = None
    mode: Mode = "tools"
    temperature: float = 0.0
    seed: int | None = 0
    max_tokens: int = 1024
    timeout: float = 60.0
    # --- reliability ---
    max_retries: int = Field(default=4, ge=0, description="transport retries (429/5xx/timeouts)")
    max_reasks: int = Field(default=1, ge=0, description="validation re-asks of the model")
    backoff_max: float = Field(default=30.0, gt=0)
    # --- throughput ---
    concurrency: int = Field(default=8, ge=1)
    workers: int = Field(default=1, ge=1, description="processes (one core each) for bulk runs")
    rpm: int | None = Field(default=None, ge=1, description="requests per minute limit")
    tpm: int | None = Field(default=None, ge=1, description="tokens per minute limit")
    chunk_chars: int = Field(default=6000, ge=500, description="long segments are chunked")
    chunk_overlap: int = Field(default=400, ge=0)
    # --- cache ---
    cache_dir: Path = Path(".extractor-cache")
    no_cache: bool = False
    # --- data ---
    gazetteer: Annotated[list[Path], NoDecode] = Field(
        default_factory=list, description="extra gazetteer YAML files (':'-separated in the env)"
    )
    prompts_dir: Path | None = None
    max_doc_bytes: int = 5_000_000
    # --- cost ---
    price_in: float | None = Field(default=None, description="USD per 1M prompt tokens")
    price_out: float | None = Field(default=None, description="USD per 1M completion tokens")

    @field_validator("gazetteer", mode="before")
    @classmethod
    def _split_paths(cls, value: object) -> object:
        if isinstance(value, str):
            return [p for p in value.split(":") if p]
        return value

    def resolved_backend(self) -> Literal["rules", "openai"]:
        """The backend to use: explicit, else openai when a model is configured, else rules."""
        if self.backend:
            return self.backend
        return "openai" if self.model else "rules"

    def secret(self) -> str | None:
        return self.api_key.get_secret_value() if self.api_key else None
