"""All settings in one place: explicit values (flags, arguments) → EXTRACTOR_* environment →
OPENAI_API_KEY / OPENAI_BASE_URL → defaults. This is the only module that reads the environment.

Each setting is declared once, here: the command line derives one ``--flag`` per field (its
description is the flag's help), the Python API takes the same names as keyword arguments, and
the environment variable is ``EXTRACTOR_<NAME>``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Mode = Literal["tools", "json_schema", "md_json"]
# rules | openai | hybrid, or a backend another package registers (extractor.backends.registry)
BackendName = str
EngineName = Literal["local", "ray"]
NOT_A_FLAG: dict[str, Any] = {"cli": False}


class Settings(BaseSettings):
    """Settings of a run. Construct with keyword arguments to override the environment."""

    model_config = SettingsConfigDict(
        env_prefix="EXTRACTOR_", extra="ignore", populate_by_name=True, validate_default=True
    )

    # --- what to extract, with what ---
    task: str | None = Field(
        default=None,
        description="A user task: FILE.py[:NAME] holding a Task (NAME defaults to TASK); "
        "default: the Arabic conflict-events task",
    )
    backend: BackendName | None = Field(
        default=None,
        description="rules | openai | hybrid (rules + model, merged), or a backend another "
        "package registers (entry-point group extractor.backends); "
        "default: openai when a model is set, else rules",
    )
    hybrid_trust: Literal["rules", "model"] = Field(
        default="rules",
        description="hybrid: whose reading wins — rules (parties and values from the rules, the "
        "model fills gaps, a model-only event needs a cue word of its type; best with small "
        "models) or model (a strong model's parties, values and extra events)",
    )
    # --- model endpoint ---
    base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("EXTRACTOR_BASE_URL", "OPENAI_BASE_URL", "base_url"),
        description="OpenAI-compatible base URL (env OPENAI_BASE_URL)",
    )
    api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("EXTRACTOR_API_KEY", "OPENAI_API_KEY", "api_key"),
        description="API key (environment only: OPENAI_API_KEY or EXTRACTOR_API_KEY)",
        json_schema_extra=NOT_A_FLAG,
    )
    model: str | None = Field(default=None, description="Model name (env EXTRACTOR_MODEL)")
    mode: Mode = Field(
        default="tools", description="instructor mode: tools | json_schema | md_json"
    )
    temperature: float = Field(default=0.0, description="Sampling temperature")
    seed: int | None = Field(default=0, description="Sampling seed")
    max_tokens: int = Field(default=1024, ge=1, description="Completion tokens per request")
    timeout: float = Field(default=60.0, gt=0, description="Seconds per model request")
    # --- reliability ---
    max_retries: int = Field(
        default=4, ge=0, description="Transport retries per request (429/5xx/timeouts)"
    )
    max_reasks: int = Field(
        default=1, ge=0, description="Re-asks when the model's answer fails validation"
    )
    backoff_max: float = Field(default=30.0, gt=0, description="Longest wait between retries (s)")
    # --- throughput ---
    concurrency: int = Field(default=8, ge=1, description="Documents in flight (in all workers)")
    workers: int = Field(default=1, ge=1, description="Worker processes (one core each)")
    engine: EngineName = Field(
        default="local", description="local (this machine) | ray (a Ray cluster, Ray Data)"
    )
    ray_address: str | None = Field(
        default=None, description="Ray cluster address for --engine ray (default: local Ray)"
    )
    rpm: int | None = Field(default=None, ge=1, description="Requests per minute limit")
    tpm: int | None = Field(default=None, ge=1, description="Tokens per minute limit")
    chunk_chars: int = Field(
        default=6000,
        ge=500,
        description="Longer segments are split into chunks of this size (on sentence "
        "boundaries; a longer sentence is cut at clause or word boundaries)",
    )
    chunk_overlap: int = Field(
        default=400, ge=0, description="Characters of whole sentences repeated between chunks"
    )
    focus: bool = Field(
        default=False,
        description="Send a model only the sentences where rule triggers fire (and one "
        "neighbour each side): fewer tokens, some recall lost",
    )
    # --- cache ---
    cache_dir: Path = Field(
        default=Path(".extractor-cache"), description="Cache folder (env EXTRACTOR_CACHE_DIR)"
    )
    no_cache: bool = Field(default=False, description="Do not read or write the cache")
    # --- data ---
    gazetteer: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="Extra gazetteer YAML file (repeatable; ':'-separated in the environment)",
    )
    prompts_dir: Path | None = Field(
        default=None, description="Folder of prompt templates replacing the shipped ones"
    )
    max_doc_bytes: int = Field(
        default=5_000_000, ge=1, description="Larger documents fail with a clear reason"
    )
    # --- cost ---
    price_in: float | None = Field(
        default=None, ge=0, description="USD per 1M prompt tokens, for a cost estimate"
    )
    price_out: float | None = Field(
        default=None, ge=0, description="USD per 1M completion tokens, for a cost estimate"
    )

    @field_validator("gazetteer", mode="before")
    @classmethod
    def _split_paths(cls, value: object) -> object:
        if isinstance(value, str):
            return [p for p in value.split(":") if p]
        return value

    def resolved_backend(self) -> str:
        """The backend to use: explicit, else openai when a model is configured, else rules."""
        if self.backend:
            return self.backend
        return "openai" if self.model else "rules"

    def secret(self) -> str | None:
        return self.api_key.get_secret_value() if self.api_key else None

    def with_values(self, **values: Any) -> Settings:
        """A copy with ``values`` set (validated; the API key is carried as is, not masked)."""
        return Settings.model_validate({**self.model_dump(), **values})


def cli_fields() -> dict[str, Any]:
    """The settings the command line exposes as flags (all but the API key)."""
    return {
        name: info
        for name, info in Settings.model_fields.items()
        if (info.json_schema_extra or {}) != NOT_A_FLAG
    }


__all__ = ["BackendName", "EngineName", "Mode", "Settings", "cli_fields"]
