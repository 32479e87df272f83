"""Settings handed to another host's process through its environment: a settings dump would
mask the secrets (``**********``), and the child must not inherit this process's own
``TMUX_BUILDER_*`` variables."""

from __future__ import annotations

import os

from pydantic import SecretStr

from tmux_builder.platform.core.settings import Settings


def host_environment(settings: Settings, *names: str) -> dict[str, str]:
    """This environment without ``TMUX_BUILDER_*``, plus the data folder, database and host
    name of ``settings`` and each named setting that is set, as ``TMUX_BUILDER_<NAME>``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TMUX_BUILDER_")}
    env.update({"TMUX_BUILDER_DATA_DIR": str(settings.data_dir),
                "TMUX_BUILDER_DATABASE_URL": settings.db_url,
                "TMUX_BUILDER_HOST_NAME": settings.host_name})
    for name in names:
        value = getattr(settings, name)
        if value is None:
            continue
        text = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
        env[f"TMUX_BUILDER_{name.upper()}"] = text
    return env
