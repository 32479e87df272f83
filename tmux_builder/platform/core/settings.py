"""The one settings object: environment variables prefixed ``TMUX_BUILDER_`` and ``.env``."""

from __future__ import annotations

import ipaddress
import socket
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from tmux_builder.domain import Provider, SiteType

AgentProfileName = Literal["offline", "claude"]


def _default_toolchain_dir() -> Path:
    return Path.home() / ".cache" / "tmux-builder"


class Settings(BaseSettings):
    """Every knob of the platform. The README has a table of each one."""

    model_config = SettingsConfigDict(
        env_prefix="TMUX_BUILDER_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(
        default=Path(".data"),
        description="Root of everything the platform writes: state, sites, apps, workspaces.",
    )
    environment: str = Field(default="dev", description="Value of the Environment tag.")
    pulumi_backend_url: str | None = Field(
        default=None,
        description="Pulumi state backend; default file://<data_dir>/state. Any Pulumi "
        "backend URL works (s3://, azblob://, https://api.pulumi.com).",
    )
    pulumi_backend_access_key_id: str | None = Field(
        default=None, description="Access key of an s3:// backend (engine's AWS_ACCESS_KEY_ID); "
        "unset: the AWS SDK's own chain, or `profile=` in the URL.")
    pulumi_backend_secret_access_key: SecretStr | None = Field(
        default=None, description="Its secret (engine's AWS_SECRET_ACCESS_KEY).")
    pulumi_backend_storage_account: str | None = Field(
        default=None, description="Storage account of an azblob:// backend "
        "(engine's AZURE_STORAGE_ACCOUNT).")
    pulumi_backend_storage_key: SecretStr | None = Field(
        default=None, description="Its shared key (engine's AZURE_STORAGE_KEY); unset: "
        "azure-identity's chain.")
    host_name: str = Field(
        default_factory=socket.gethostname, min_length=1, max_length=255,
        description="Name of this host: holder of its stack locks, the host its sessions are "
        "pinned to (default the hostname; unique per host).")
    host_lease_seconds: float = Field(
        default=30, gt=1, description="How long a worker host counts as alive after its last "
        "heartbeat (beats every third of it); past it, its sessions move to another host.")
    stack_lock_lease_seconds: float = Field(
        default=30, gt=1, description="Lease of a stack lock in the database (renewed every "
        "third of it); a dead holder's lock lapses after it.")
    store_url: str | None = Field(
        default=None, description="Shared store of artifacts and workspace snapshots: "
        "file://<folder> or s3://<bucket>[/<prefix>]?endpoint=..&region=..; default "
        "file://<data_dir>/store.")
    store_access_key_id: str | None = Field(
        default=None, description="Access key of an s3:// store (unset: boto3's own chain).")
    store_secret_access_key: SecretStr | None = Field(default=None, description="Its secret.")
    store_max_snapshot_bytes: int = Field(
        default=1 << 30, ge=1 << 20, description="Largest workspace snapshot stored or "
        "restored (unpacked bytes).")
    toolchain_dir: Path = Field(
        default_factory=_default_toolchain_dir,
        description="Cache of the Pulumi CLI built from Go and of Claude Code, keyed by version.",
    )
    default_provider: Provider = Field(default=Provider.local,
                                       description="Provider when not given.")
    default_site_type: SiteType = Field(default=SiteType.static,
                                        description="Site type when not given.")
    session_ttl_days: float = Field(default=5, gt=0, description="Default session lifetime.")
    stack_lock_timeout_seconds: float = Field(
        default=0,
        ge=0,
        description="How long an operation waits for a busy stack before StackBusy (0: no wait).",
    )
    sites_host: str = Field(default="127.0.0.1", description="Bind address of the site server.")
    sites_port: int = Field(default=8081, ge=1, le=65535, description="Port of the site server.")
    sites_public_url: str | None = Field(
        default=None, pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$",
        description="Base URL under which this host's site server is reached (URLs in answers "
        "point at it); default http://<sites_host>:<sites_port>.")
    app_start_timeout_seconds: float = Field(
        default=60, gt=0, description="How long a local dynamic app may take to answer."
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default sqlite:///<data_dir>/tmux-builder.db."
    )
    agent_profile: AgentProfileName | None = Field(
        default=None,
        description="Which agent runs in tmux: `claude` (Claude Code) or `offline` (built in); "
        "default claude when a model credential is set, else offline.",
    )
    agent_command: str | None = Field(
        default=None,
        description="Override: a command run in tmux as the agent instead of the profile's "
        "(no model environment; absolute paths in it are visible read-only in the sandbox).",
    )
    model_base_url: str | None = Field(
        default=None,
        description="Messages API endpoint of the claude profile (ANTHROPIC_BASE_URL); unset "
        "means Claude Code's own default.",
    )
    model_credential: SecretStr | None = Field(
        default=None, description="Model API credential of the claude profile; only the agent "
        "process receives it (in its environment, never on a command line or in a file).",
    )
    model_credential_kind: Literal["auth_token", "api_key"] = Field(
        default="auth_token",
        description="How the credential is sent: `auth_token` (ANTHROPIC_AUTH_TOKEN, a bearer "
        "token) or `api_key` (ANTHROPIC_API_KEY, x-api-key).",
    )
    model_name: str | None = Field(
        default=None, description="Model of the claude profile (`--model`); unset: its default."
    )
    model_max_retries: int = Field(
        default=2, ge=0, le=10, description="Claude Code's retries of a failed model request."
    )
    agent_idle_timeout_seconds: float = Field(
        default=180,
        gt=0,
        description="An agent whose screen stays unchanged with no status marker this long "
        "fails the phase (`agent idle`).",
    )
    sandbox: bool = Field(
        default=True,
        description="Run the agent, the E2E tests and local dynamic apps under bubblewrap as "
        "the sandbox user; off is for development only (doctor warns).",
    )
    sandbox_user: str = Field(
        default="tmux-builder-sandbox",
        description="Unprivileged system user the sandboxed processes run as (when the "
        "platform runs as root; created by `make setup`).",
    )
    tmux_socket: str = Field(default="tmux-builder", description="tmux server socket name.")
    agent_start_timeout_seconds: float = Field(default=30, gt=0, description="Agent probe wait.")
    agent_phase_timeout_seconds: float = Field(
        default=900, gt=0, description="How long one agent phase may take."
    )
    workers: int = Field(default=2, ge=1, le=64, description="Worker threads per worker process.")
    serve_worker_processes: int | None = Field(
        default=None, ge=0, le=64,
        description="Worker processes `tmux-builder serve` starts and supervises, one worker "
        "each (0: none; unset: `workers`).",
    )
    worker_restart_backoff_seconds: float = Field(
        default=1, gt=0, description="First wait before a dead worker process is restarted "
        "(doubles while it keeps dying, at most 60 s).",
    )
    worker_nice: int = Field(
        default=10, ge=0, le=19, description="Niceness of the worker processes `serve` "
        "starts (and all they start) and, where the host lets `serve` make a cpu cgroup, the "
        "weight of the group they all run in, so that the API is served first on a busy host.",
    )
    worker_stop_grace_seconds: float = Field(
        default=30, gt=0, description="How long a stopping worker process may take after "
        "SIGTERM before SIGKILL.",
    )
    job_lease_seconds: float = Field(default=30, gt=1, description="Lease of a claimed job.")
    job_max_attempts: int = Field(default=3, ge=1, description="Claims before a job fails.")
    log_format: Literal["text", "json"] = Field(
        default="text", description="Log lines on stdout as text or JSON lines."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Lowest level logged."
    )
    e2e_timeout_seconds: float = Field(default=300, gt=0, description="E2E run time limit.")
    max_requirements_chars: int = Field(default=20000, ge=10, description="Request size limit.")
    admin_token: SecretStr | None = Field(
        default=None, description="Bearer token of the admin routes; unset disables them."
    )
    api_host: str = Field(default="127.0.0.1", description="Bind address of the API.")
    api_port: int = Field(default=8080, ge=1, le=65535, description="Port of the API.")
    create_limit_per_user: int = Field(default=5, ge=1, description="Creations per user a window.")
    create_limit_per_address: int = Field(
        default=20, ge=1, description="Creations per client address a window."
    )
    create_limit_window_seconds: float = Field(default=60, gt=0, description="Rate window.")
    aws_region: str | None = Field(default=None, description="AWS region of aws stacks.")
    aws_profile: str | None = Field(default=None, description="AWS profile (default chain).")
    aws_instance_type: str = Field(default="t3.micro", description="EC2 size of dynamic sites.")
    aws_vpc_id: str | None = Field(
        default=None, description="VPC of dynamic sites (a public subnet of it is chosen).")
    aws_subnet_id: str | None = Field(
        default=None, description="Public subnet of dynamic sites (wins over the VPC).")
    aws_shared_vpc: bool = Field(
        default=False, description="Dynamic sites use a VPC in the region's shared platform "
        "stack (for accounts or regions without a default VPC).")
    aws_ami_parameter: str | None = Field(
        default=None, description="Public SSM parameter of the AMI; default AL2023 for the "
        "instance type's architecture.")
    azure_subscription_id: str | None = Field(default=None, description="Azure subscription.")
    azure_location: str = Field(default="eastus", description="Azure location of azure stacks.")
    azure_vm_size: str = Field(default="Standard_B1s", description="VM size of dynamic sites.")
    azure_ssh_public_key: str | None = Field(
        default=None, description="SSH key of the VMs; generated and kept secret when unset."
    )
    azure_front_door_endpoints_per_profile: int = Field(
        default=10, ge=1, le=10, description="Session endpoints per shared Front Door "
        "Standard profile (the tier takes 10) before another shard is added.")
    azure_cost_token: SecretStr | None = Field(
        default=None, description="Bearer token for Azure Cost Management; overrides "
        "azure-identity's DefaultAzureCredential.")
    actual_cost_cache_seconds: float = Field(
        default=21600, ge=0, description="How long actual costs fetched from the billing APIs "
        "are reused (Cost Explorer charges per request; Cost Management throttles).")
    readiness_timeout_seconds: float | None = Field(
        default=None, gt=0, description="How long the health step waits for a site to become "
        "ready; default each target's own (up to an hour for a new Front Door endpoint).")
    reaper_interval_seconds: float = Field(
        default=300, gt=0, description="How often the server's reaper looks for expired sessions."
    )
    drift_check_interval_seconds: float = Field(
        default=0, ge=0, description="How often the server queues a drift check (a refresh "
        "preview) of every active session stack; 0 turns it off.")
    teardown_attempts: int = Field(
        default=3, ge=1, description="Tries of a stack destroy during teardown before giving up."
    )
    teardown_backoff_seconds: float = Field(
        default=2, ge=0, description="First wait between destroy tries (doubles each time)."
    )
    token_ttl_days: float | None = Field(
        default=None, gt=0, description="Lifetime of every minted token; unset: no expiry."
    )
    max_tokens_per_user: int = Field(default=50, ge=1, description="Live tokens per user.")
    smtp_host: str | None = Field(
        default=None, description="SMTP server for recovery codes; unset: recovery by email off."
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="SMTP server port.")
    smtp_security: Literal["starttls", "ssl", "none"] = Field(
        default="starttls", description="SMTP transport security."
    )
    smtp_username: str | None = Field(default=None, description="SMTP login (unset: none).")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password.")
    smtp_from: str = Field(
        default="tmux-builder@localhost", description="Sender address of recovery mail."
    )
    smtp_timeout_seconds: float = Field(default=10, gt=0, description="SMTP socket timeout.")
    recovery_code_ttl_minutes: float = Field(
        default=15, gt=0, le=60, description="How long an emailed sign-in code works."
    )
    auth_limit_per_window: int = Field(
        default=5, ge=1, description="Recovery requests and code checks per email and address."
    )
    auth_limit_window_seconds: float = Field(default=900, gt=0, description="Their window.")
    max_body_bytes: int = Field(
        default=262144, ge=1024, description="Largest request body; larger answers 413."
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Addresses or networks whose X-Forwarded-For is believed (comma-separated).",
    )
    progress_fallback_poll_seconds: float = Field(
        default=5, gt=0, description="On PostgreSQL, how often a progress stream looks without "
        "a notification (a safety net for a lost listener connection).",
    )
    max_streams_per_user: int = Field(
        default=5, ge=1, description="Open progress streams (SSE) per user; more answer 429."
    )
    policy_pack: bool = Field(
        default=True, description="Run the CrossGuard policy pack on every preview and up."
    )
    allowed_instance_sizes: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["t3.micro", "t3.small", "t4g.micro", "t4g.small",
                                 "Standard_B1s", "Standard_B1ms", "Standard_B2s"],
        description="EC2 instance types and Azure VM sizes the policy pack allows "
                    "(comma-separated).",
    )

    @model_validator(mode="after")
    def _sizes_allowed(self) -> Settings:
        """The configured sizes must pass the policy, or every deploy would be refused."""
        if self.policy_pack:
            for field_name in ("aws_instance_type", "azure_vm_size"):
                size = getattr(self, field_name)
                if size not in self.allowed_instance_sizes:
                    raise ValueError(
                        f"{field_name} {size!r} is not in allowed_instance_sizes "
                        f"({', '.join(self.allowed_instance_sizes)}); add it to "
                        "TMUX_BUILDER_ALLOWED_INSTANCE_SIZES")
        return self

    @field_validator("trusted_proxies", "allowed_instance_sizes", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            ipaddress.ip_network(entry, strict=False)
        return value

    @field_validator("data_dir", "toolchain_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @property
    def resolved_agent_profile(self) -> AgentProfileName:
        if self.agent_profile is not None:
            return self.agent_profile
        return "claude" if self.model_credential is not None else "offline"

    @property
    def supervised_workers(self) -> int:
        """How many worker processes ``serve`` supervises."""
        return self.workers if self.serve_worker_processes is None else self.serve_worker_processes

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'tmux-builder.db'}"

    @property
    def users_dir(self) -> Path:
        return self.data_dir / "users"

    @property
    def state_dir(self) -> Path:
        return self.data_dir / "state"

    @property
    def backend_url(self) -> str:
        return self.pulumi_backend_url or f"file://{self.state_dir}"

    def backend_environment(self) -> dict[str, str]:
        """What the state backend needs in the engine's environment (its credentials)."""
        pairs = {
            "AWS_ACCESS_KEY_ID": self.pulumi_backend_access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.pulumi_backend_secret_access_key,
            "AZURE_STORAGE_ACCOUNT": self.pulumi_backend_storage_account,
            "AZURE_STORAGE_KEY": self.pulumi_backend_storage_key,
        }
        return {name: value.get_secret_value() if isinstance(value, SecretStr) else value
                for name, value in pairs.items() if value}

    @property
    def store_root(self) -> Path:
        return self.data_dir / "store"

    @property
    def resolved_store_url(self) -> str:
        return self.store_url or f"file://{self.store_root}"

    @property
    def sites_dir(self) -> Path:
        return self.data_dir / "sites"

    @property
    def apps_dir(self) -> Path:
        return self.data_dir / "apps"

    @property
    def passphrase_file(self) -> Path:
        return self.data_dir / "secrets" / "pulumi-passphrase"

    @property
    def locks_dir(self) -> Path:
        return self.data_dir / "locks"

    @property
    def pulumi_work_dir(self) -> Path:
        return self.data_dir / "pulumi-project"

    @property
    def pulumi_home(self) -> Path:
        return self.data_dir / "pulumi-home"

    @property
    def archive_dir(self) -> Path:
        return self.data_dir / "archives"

    @property
    def smtp_configured(self) -> bool:
        return bool(self.smtp_host)

    @property
    def sites_base_url(self) -> str:
        return (self.sites_public_url or f"http://{self.sites_host}:{self.sites_port}").rstrip("/")

    def site_url(self, stack_name: str) -> str:
        return f"{self.sites_base_url}/{stack_name}/"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
