"""Each worker host's site server has a public base URL: the URLs of the local sites it
deploys point at it; a malformed one is refused naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.sites.deployments import local_paths


def test_the_public_url_names_the_host_that_serves_the_site(tmp_path: Path) -> None:
    own = Settings(data_dir=tmp_path, sites_port=9123)
    assert own.site_url("u_s") == "http://127.0.0.1:9123/u_s/"
    public = Settings(data_dir=tmp_path, sites_public_url="https://worker-2.example.net/sites/")
    assert public.site_url("u_s") == "https://worker-2.example.net/sites/u_s/"
    assert local_paths(public, "u_s").sites_base_url == "https://worker-2.example.net/sites"


@pytest.mark.parametrize("bad", ["worker-2:8081", "ftp://worker-2/", "http://a b/", "http://"])
def test_a_malformed_public_url_is_refused_naming_the_field(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValidationError, match="sites_public_url"):
        Settings(data_dir=tmp_path, sites_public_url=bad)
