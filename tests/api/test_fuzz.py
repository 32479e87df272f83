"""schemathesis against the app's own OpenAPI: no server error and no response that breaks
its schema. CI runs a bounded number of cases per operation (TMUX_BUILDER_FUZZ_EXAMPLES);
``bench/fuzz.py`` runs more.

The app is built when the module is imported (schemathesis reads the schema then), on a
temporary data folder of its own, with one real user whose token every case carries. Its
SMTP server is a loopback port where nothing listens: recovery answers as configured and
the mail (sent after the answer) fails and is logged."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from tests.api.conftest import ADMIN_TOKEN, new_user
from tests.conftest import free_port
from tmux_builder.api.app import create_app
from tmux_builder.platform.core.settings import Settings

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("TMUX_BUILDER_FUZZ_EXAMPLES", "25"))
_data = Path(tempfile.mkdtemp(prefix="tb-fuzz-"))
atexit.register(shutil.rmtree, _data, True)
APP = create_app(Settings(data_dir=_data, admin_token=ADMIN_TOKEN, tmux_socket="tb-fuzz",
                          create_limit_per_address=100000, create_limit_per_user=100000,
                          auth_limit_per_window=100000, smtp_host="127.0.0.1",
                          smtp_port=free_port(), smtp_security="none", smtp_timeout_seconds=1))
with TestClient(APP) as _client:
    HEADERS = {"Authorization": f"Bearer {new_user(_client, 'fuzz@example.com')['token']}"}

# The event stream follows a real execution until it ends, which a fuzz case cannot bound;
# revoking or rotating a token could revoke the one every case carries (tested elsewhere).
schema = (schemathesis.openapi.from_asgi("/openapi.json", APP)
          .exclude(path_regex="^/api/events/")
          .exclude(path_regex=r"^/api/tokens/\{token_id\}", method="DELETE")
          .exclude(path_regex=r"^/api/tokens/\{token_id\}/rotate$"))


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=dict(HEADERS))
