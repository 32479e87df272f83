"""The site server serves only inside a published site's own folder."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from tmux_builder.errors import InvalidInputError
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.sites.server import site_server_is_up
from tmux_builder.pulumi_programs.local.files import publish_tree

pytestmark = pytest.mark.slow

STACK = "ee130495-5e37-5628-85f0-f33f71179827_sess_20261122_025036_bfb6"


def test_serves_sites_and_refuses_escapes(
    settings: Settings, site_server: str, tmp_path: Path
) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "index.html").write_text("<h1>hello</h1>", encoding="utf-8")
    (tmp_path / "private.txt").write_text("private", encoding="utf-8")
    publish_tree(source, settings.sites_dir / STACK)
    os.symlink(tmp_path / "private.txt", (settings.sites_dir / STACK).resolve() / "link.txt")

    ok = httpx.get(f"{site_server}/{STACK}/")
    assert ok.status_code == 200 and "hello" in ok.text
    assert ok.headers["x-content-type-options"] == "nosniff"
    assert httpx.get(f"{site_server}/{STACK}").status_code == 308
    for path in (f"/{STACK}/link.txt", f"/{STACK}/../{STACK}/../../private.txt",
                 f"/{STACK}/%2e%2e/%2e%2e/private.txt", "/bad%20name/", "/.releases/x/",
                 f"/{STACK}/missing.html", "/"):
        response = httpx.get(site_server + path, follow_redirects=True)
        assert response.status_code == 404, path
        assert "private" not in response.text


def test_a_server_for_another_folder_is_refused(settings: Settings, site_server: str) -> None:
    other = settings.model_copy(update={"data_dir": settings.data_dir.parent / "other"})
    with pytest.raises(InvalidInputError) as error:
        site_server_is_up(other)
    assert error.value.field == "sites_port"
    assert site_server_is_up(settings)
