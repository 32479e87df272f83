"""local + dynamic: the app's code published under ``<data_dir>/apps/<stack>/code``, its
dependencies installed when their files change, and the app run as a supervised process."""

from __future__ import annotations

from collections.abc import Callable

import pulumi

from tmux_builder.pulumi_programs.local.app_provider import AppProcess
from tmux_builder.pulumi_programs.local.deps_provider import DependencyInstall
from tmux_builder.pulumi_programs.local.files import tree_digest
from tmux_builder.pulumi_programs.local.runtime import AppRuntime
from tmux_builder.pulumi_programs.local.site_provider import PublishedFolder
from tmux_builder.pulumi_programs.target import LocalPaths, SiteTarget


def local_dynamic_program(
    target: SiteTarget, local: LocalPaths, runtime: AppRuntime
) -> Callable[[], None]:
    def program() -> None:
        tags = target.tags.as_dict()
        root = local.apps_dir / target.stack_name
        app_dir, deps_dir = root / "code", root / "deps"
        deps_digest = tree_digest(target.source_dir, list(runtime.dependency_files))
        code = PublishedFolder(
            "app-code",
            source_dir=str(target.source_dir),
            target_dir=str(app_dir),
            digest=tree_digest(target.source_dir),
            tags=tags,
        )
        deps = DependencyInstall(
            "app-dependencies",
            runtime=runtime.kind,
            app_dir=str(app_dir),
            deps_dir=str(deps_dir),
            deps_digest=deps_digest,
            tags=tags,
            opts=pulumi.ResourceOptions(depends_on=[code]),
        )
        app = AppProcess(
            "app",
            command=[*local.app_command_prefix, *runtime.start_command(deps_dir)],
            app_dir=str(app_dir),
            deps_dir=str(deps_dir),
            log_file=str(root / "logs" / "app.log"),
            digest=code.digest,
            deps_digest=deps_digest,
            start_timeout=local.app_start_timeout_seconds,
            tags=tags,
            opts=pulumi.ResourceOptions(depends_on=[code, deps]),
        )
        pulumi.export("url", app.url)
        pulumi.export("port", app.port)
        pulumi.export("runtime", runtime.kind)

    return program
