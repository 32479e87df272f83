"""The shared store, on a folder and on a real S3-API server (moto, loopback): artifacts by
validated ids, workspace snapshots packed with a manifest and restored whole into an empty
folder, and archives that try to escape, smuggle devices or lie about their content refused
with nothing left behind."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import tarfile
from pathlib import Path

import pytest
from pydantic import SecretStr

from tests.conftest import free_port, make_facts
from tests.support.object_stores import MOTO_KEY_ID, MOTO_SECRET, S3Server
from tmux_builder.errors import InvalidInputError, NotFoundError
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.store import ArtifactStore, StoreError, open_store
from tmux_builder.platform.store.keys import snapshot_key
from tmux_builder.platform.store.snapshots import MANIFEST_NAME

pytestmark = pytest.mark.slow

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(params=["folder", "s3"])
def store_settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    if request.param == "folder":
        return settings
    server: S3Server = request.getfixturevalue("s3_server")
    return settings.model_copy(update={
        "store_url": server.url(server.new_bucket(), "tb/store"),
        "store_access_key_id": MOTO_KEY_ID,
        "store_secret_access_key": SecretStr(MOTO_SECRET)})


@pytest.fixture
def store(store_settings: Settings) -> ArtifactStore:
    return open_store(store_settings)


def _workspace(root: Path) -> Path:
    for rel, text in {".claude/agents/builder.md": "# builder", "source/index.html": "<h1>hi</h1>",
                      "logs/agent.log": "started\n", "prompts/current.txt": "build it",
                      "state/claude-config/.claude.json": '{"customApiKeyResponses": 1}'}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    (root / "deployment").mkdir()
    os.symlink("index.html", root / "source" / "latest.html")
    os.symlink("/etc", root / "source" / "outside")
    os.mkfifo(root / "output-pipe")
    return root


def test_artifacts_round_trip_by_validated_ids(store: ArtifactStore, tmp_path: Path) -> None:
    facts, other = make_facts(), make_facts(email="other@example.com")
    shot = tmp_path / "shot.png"
    shot.write_bytes(PNG)
    key = store.put_artifact(facts.user_id, facts.session_id, "screenshots", "build_v1.png", shot)
    assert key.endswith(f"/sessions/{facts.session_id}/artifacts/screenshots/build_v1.png")
    store.put_artifact(facts.user_id, facts.session_id, "e2e", "results.json", b'{"ok": 1}')
    assert store.get_artifact(facts.user_id, facts.session_id, "screenshots",
                              "build_v1.png") == PNG
    assert {(a.kind, a.name) for a in store.list_artifacts(facts.user_id, facts.session_id)} \
        == {("screenshots", "build_v1.png"), ("e2e", "results.json")}
    assert [a.name for a in store.list_artifacts(facts.user_id, facts.session_id, "e2e")] \
        == ["results.json"]
    with pytest.raises(NotFoundError):
        store.get_artifact(other.user_id, other.session_id, "screenshots", "build_v1.png")
    assert store.list_artifacts(other.user_id, other.session_id) == []

    for user, session, kind, name, field in [
        ("../../etc", facts.session_id, "logs", "a.log", "user_id"),
        (facts.user_id, "sess_x/../../y", "logs", "a.log", "session_id"),
        (facts.user_id, facts.session_id, "../secrets", "a.log", "kind"),
        (facts.user_id, facts.session_id, "logs", "../../../passwd", "name"),
        (facts.user_id, facts.session_id, "logs", "a/b.log", "name"),
        (facts.user_id, facts.session_id, "logs", ".hidden", "name"),
    ]:
        with pytest.raises(InvalidInputError) as refused:
            store.put_artifact(user, session, kind, name, b"x")
        assert refused.value.field == field
    assert store.delete_session(facts.user_id, facts.session_id) == 2
    assert store.list_artifacts(facts.user_id, facts.session_id) == []


def test_a_workspace_snapshot_restores_whole(store: ArtifactStore, tmp_path: Path) -> None:
    facts = make_facts()
    workspace = _workspace(tmp_path / "workspace")
    first = store.snapshot(facts.user_id, facts.session_id, workspace, phase="create_plan",
                           host="host-a")
    (workspace / "source" / "index.html").write_text("<h1>v2</h1>", encoding="utf-8")
    second = store.snapshot(facts.user_id, facts.session_id, workspace, phase="generate_code",
                            host="host-a")
    assert store.snapshot_ids(facts.user_id, facts.session_id) == [first.snapshot_id,
                                                                   second.snapshot_id]
    assert second.manifest.skipped == {"output-pipe": "not a file, folder or link",
                                       "source/outside": "symlink leaves the workspace",
                                       "state/claude-config": "platform-private"}

    restored = tmp_path / "elsewhere" / "workspace"
    info = store.restore(facts.user_id, facts.session_id, restored)
    assert (info.snapshot_id, info.phase) == (second.snapshot_id, "generate_code")
    assert (restored / "source" / "index.html").read_text() == "<h1>v2</h1>"
    assert (restored / ".claude" / "agents" / "builder.md").read_text() == "# builder"
    assert os.readlink(restored / "source" / "latest.html") == "index.html"
    assert (restored / "deployment").is_dir()
    assert not (restored / "state" / "claude-config").exists()
    assert not (restored / "source" / "outside").exists()
    assert not (restored / "output-pipe").exists()

    older = tmp_path / "older"
    store.restore(facts.user_id, facts.session_id, older, first.snapshot_id)
    assert (older / "source" / "index.html").read_text() == "<h1>hi</h1>"
    with pytest.raises(InvalidInputError, match="not an empty folder"):
        store.restore(facts.user_id, facts.session_id, restored)
    with pytest.raises(NotFoundError):
        store.restore(facts.user_id, make_facts().session_id, tmp_path / "none")


def _hostile(members: list[tuple[tarfile.TarInfo, bytes | None]], manifest: dict) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        data = json.dumps({"format": 1, "links": {}, "folders": [], "skipped": {},
                           **manifest}).encode()
        info = tarfile.TarInfo(MANIFEST_NAME)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        for member, content in members:
            tar.addfile(member, io.BytesIO(content) if content is not None else None)
    return buffer.getvalue()


def _file(name: str, content: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    return info, content


def _special(name: str, kind: bytes, link: str = "") -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info, None


def _entry(content: bytes) -> dict:
    return {"size": len(content), "sha256": hashlib.sha256(content).hexdigest()}


def test_hostile_snapshots_are_refused_and_leave_nothing(
    settings: Settings, tmp_path: Path
) -> None:
    store = open_store(settings.model_copy(update={"store_max_snapshot_bytes": 1 << 20}))
    facts = make_facts()
    owner = {"user_id": facts.user_id, "session_id": facts.session_id}
    good = b"<h1>fine</h1>"
    cases = {
        "climbs": ([_file("../evil.txt", good)], {"files": {"../evil.txt": _entry(good)}}),
        "absolute": ([_file("/tmp/evil.txt", good)], {"files": {"/tmp/evil.txt": _entry(good)}}),
        "link out": ([_special("source/etc", tarfile.SYMTYPE, "../../../etc")],
                     {"files": {}, "links": {"source/etc": "../../../etc"}}),
        "absolute link": ([_special("etc", tarfile.SYMTYPE, "/etc")],
                          {"files": {}, "links": {"etc": "/etc"}}),
        "hard link": ([_special("passwd", tarfile.LNKTYPE, "/etc/passwd")], {"files": {}}),
        "device": ([_special("null", tarfile.CHRTYPE)], {"files": {}}),
        "fifo": ([_special("pipe", tarfile.FIFOTYPE)], {"files": {}}),
        "unlisted": ([_file("extra.txt", good)], {"files": {}}),
        "tampered": ([_file("index.html", b"<h1>evil</h1>")],
                     {"files": {"index.html": _entry(good)}}),  # same size, other bytes
        "too big": ([_file("big.bin", b"x" * (2 << 20))],
                    {"files": {"big.bin": _entry(b"x" * (2 << 20))}}),
        "other session": ([_file("index.html", good)],
                          {"files": {"index.html": _entry(good)},
                           "session_id": make_facts().session_id}),
    }
    for number, (why, (members, manifest)) in enumerate(cases.items()):
        snapshot_id = f"20261130T1200000000{number:02d}-generate_code"
        archive = _hostile(members, {**owner, **manifest})
        store.blobs.write(snapshot_key(facts.user_id, facts.session_id, snapshot_id, ".tar.gz"),
                          archive)
        dest = tmp_path / "restore" / why.replace(" ", "-")
        with pytest.raises(InvalidInputError) as refused:
            store.restore(facts.user_id, facts.session_id, dest, snapshot_id)
        assert refused.value.field == "snapshot", why
        assert not dest.exists(), f"{why}: nothing restored"
        assert sorted(p.name for p in (tmp_path / "restore").iterdir()) == [], why
    assert not (tmp_path / "evil.txt").exists() and not Path("/tmp/evil.txt").exists()


def test_the_default_store_is_a_private_folder_and_urls_are_checked(settings: Settings) -> None:
    store = open_store(settings)
    assert store.location == str(settings.store_root)
    assert stat.S_IMODE(settings.store_root.stat().st_mode) == 0o700
    for url in ("azblob://box?localemu=true", "https://example.com/x", "s3://"):
        with pytest.raises(InvalidInputError) as refused:
            open_store(settings.model_copy(update={"store_url": url}))
        assert refused.value.field == "store_url"


def test_a_store_that_cannot_be_reached_raises_one_clear_error(settings: Settings,
                                                               tmp_path: Path) -> None:
    """Whatever the client raises (here an S3 endpoint nobody listens on) becomes
    ``StoreError`` naming what could not be done; the API answers it with 503."""
    closed = settings.model_copy(update={
        "store_url": f"s3://tb?endpoint=http://127.0.0.1:{free_port()}&use_path_style=true"
                     "&region=us-east-1",
        "store_access_key_id": MOTO_KEY_ID, "store_secret_access_key": SecretStr(MOTO_SECRET)})
    store = open_store(closed)
    facts = make_facts()
    shot = tmp_path / "shot.png"
    shot.write_bytes(PNG)
    with pytest.raises(StoreError, match=r"could not store the screenshots artifact b\.png"):
        store.put_artifact(facts.user_id, facts.session_id, "screenshots", "b.png", shot)
    with pytest.raises(StoreError, match="could not list the snapshots"):
        store.restore(facts.user_id, facts.session_id, tmp_path / "restored")
    assert not (tmp_path / "restored").exists()
