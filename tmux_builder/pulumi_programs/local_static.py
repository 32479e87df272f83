"""local + static: the site's files published under ``<data_dir>/sites/<stack>/`` and served
by the platform's site server."""

from __future__ import annotations

from collections.abc import Callable

import pulumi

from tmux_builder.pulumi_programs.local.files import tree_digest
from tmux_builder.pulumi_programs.local.site_provider import PublishedFolder
from tmux_builder.pulumi_programs.target import LocalPaths, SiteTarget


def local_static_program(target: SiteTarget, local: LocalPaths) -> Callable[[], None]:
    def program() -> None:
        site = PublishedFolder(
            "site",
            source_dir=str(target.source_dir),
            target_dir=str(local.sites_dir / target.stack_name),
            digest=tree_digest(target.source_dir),
            tags=target.tags.as_dict(),
        )
        pulumi.export("url", f"{local.sites_base_url.rstrip('/')}/{target.stack_name}/")
        pulumi.export("site_dir", site.target_dir)
        pulumi.export("digest", site.digest)

    return program
