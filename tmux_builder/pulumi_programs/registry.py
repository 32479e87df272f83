"""Choosing the program for a (provider, site type) pair, after checking the target."""

from __future__ import annotations

from collections.abc import Callable

from tmux_builder.errors import InvalidInputError
from tmux_builder.pulumi_programs.local.runtime import detect_runtime
from tmux_builder.pulumi_programs.local_dynamic import local_dynamic_program
from tmux_builder.pulumi_programs.local_static import local_static_program
from tmux_builder.pulumi_programs.target import SiteTarget

PROVIDERS = ("local", "aws", "azure")
SITE_TYPES = ("static", "dynamic")
SUPPORTED_TARGETS = frozenset({("local", "static"), ("local", "dynamic")})

Program = Callable[[], None]


def build_program(target: SiteTarget) -> Program:
    """The Pulumi program for ``target``; bad input raises ``InvalidInputError`` naming the
    field before anything is created."""
    if target.provider not in PROVIDERS:
        raise InvalidInputError(
            f"unknown provider {target.provider!r}; expected one of {', '.join(PROVIDERS)}",
            field="host_provider",
        )
    if target.site_type not in SITE_TYPES:
        raise InvalidInputError(
            f"unknown site type {target.site_type!r}; expected one of {', '.join(SITE_TYPES)}",
            field="site_type",
        )
    if (target.provider, target.site_type) not in SUPPORTED_TARGETS:
        raise InvalidInputError(
            f"provider {target.provider!r} has no {target.site_type} program in this build",
            field="host_provider",
        )
    if not target.source_dir.is_dir():
        raise InvalidInputError(
            f"source folder {target.source_dir} does not exist", field="source_dir"
        )
    if target.local is None:
        raise InvalidInputError("the local target needs its local paths", field="local")
    try:
        runtime = detect_runtime(target.source_dir)
    except ValueError as exc:
        raise InvalidInputError(str(exc), field="source_dir") from exc
    if target.site_type == "static":
        if not (target.source_dir / "index.html").is_file():
            raise InvalidInputError("a static site needs an index.html", field="source_dir")
        return local_static_program(target, target.local)
    if runtime is None:
        raise InvalidInputError(
            "a dynamic site needs package.json (node) or requirements.txt (python)",
            field="source_dir",
        )
    return local_dynamic_program(target, target.local, runtime)
