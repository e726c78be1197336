"""`specgen check` (the CI drift gate), `specgen diff` on the command line, `specgen update`."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from generator.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of specs/ and generated/ that tests may damage (copied once, restored per test)."""
    base = tmp_path_factory.mktemp("workspace")
    shutil.copytree(ROOT / "specs", base / "pristine-specs")
    shutil.copytree(ROOT / "generated", base / "pristine-generated")
    return base


@pytest.fixture
def repo(workspace: Path, tmp_path: Path) -> Path:
    shutil.copytree(workspace / "pristine-specs", tmp_path / "specs")
    shutil.copytree(workspace / "pristine-generated", tmp_path / "generated")
    return tmp_path


def run(repo: Path, *args: str) -> Result:
    options = ["--specs", str(repo / "specs")]
    if args[0] in ("check", "update"):
        options += ["--output", str(repo / "generated")]
    return CliRunner().invoke(main, [args[0], *options, *args[1:]])


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_check_passes_on_the_repository_and_writes_nothing(repo: Path) -> None:
    before = tree_digest(repo)
    result = run(repo, "check")
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("check ok: 4 APIs")
    assert tree_digest(repo) == before


def test_stale_generated_file_fails_with_a_diff(repo: Path) -> None:
    target = repo / "generated/onegini_events/onegini_events/_client.py"
    target.write_text(target.read_text().replace("def search_events(", "def search_events_old(", 1))
    result = run(repo, "check")
    assert result.exit_code == 1
    assert "onegini-events: generated/ is stale: run make generate" in result.output
    assert "-    def search_events_old(" in result.output
    assert "+    def search_events(" in result.output
    assert "1 stale generated files" in result.output.splitlines()[-1]


def test_missing_and_leftover_generated_files_are_stale(repo: Path) -> None:
    (repo / "generated/truelayer_tracking/truelayer_tracking/_auth.py").unlink()
    result = run(repo, "check", "truelayer-tracking")
    assert result.exit_code == 1
    assert "missing" in result.output


def test_drifted_recording_names_file_pointer_and_rule(repo: Path) -> None:
    path = repo / "specs/onepassword-events/recordings/getSignInAttempts--walk-1-reset-cursor.json"
    data = json.loads(path.read_text())
    data["response"]["body"]["items"][0]["category"] = 42
    path.write_text(json.dumps(data))
    result = run(repo, "check", "onepassword-events")
    assert result.exit_code == 1
    line = next(x for x in result.output.splitlines() if "getSignInAttempts--walk-1" in x)
    assert "/response/body/items/0/category" in line
    assert "rule:" in line
    assert "(0 problems)" not in result.output.splitlines()[-1]


def test_spec_change_without_regeneration_is_caught(repo: Path) -> None:
    spec = repo / "specs/onegini-events/openapi.yaml"
    spec.write_text(spec.read_text().replace("Search for events", "Search the events", 1))
    result = run(repo, "check", "onegini-events")
    assert result.exit_code == 1
    assert "stale" in result.output


def test_invalid_overlay_is_reported(repo: Path) -> None:
    overlay = repo / "specs/truelayer-tracking/overlay.yaml"
    overlay.write_text(overlay.read_text().replace("'/v1/tracked-events'", "'/v2/tracked-events'"))
    result = run(repo, "check", "truelayer-tracking")
    assert result.exit_code == 1
    assert "matches nothing" in result.output
    assert "1 invalid specs" in result.output.splitlines()[-1]


def test_diff_cli_formats_and_exit_codes(repo: Path) -> None:
    old = ROOT / "tests/fixtures/diff/onepassword/new.json"
    new_data = json.loads(old.read_text())
    del new_data["paths"]["/api/v1/auditevents"]
    new = repo / "new.json"
    new.write_text(json.dumps(new_data))
    text = run(repo, "diff", str(old), str(new))
    assert text.exit_code == 1
    assert "breaking" in text.output and "/api/v1/auditevents" in text.output
    as_json = run(repo, "diff", "--format", "json", str(old), str(new))
    assert any(c["kind"] == "path-removed" for c in json.loads(as_json.output)["changes"])
    markdown = run(repo, "diff", "--format", "markdown", "--fail-on", "never", str(old), str(new))
    assert markdown.exit_code == 0 and "|" in markdown.output
    same = run(
        repo, "diff", "onepassword-events", str(repo / "specs/onepassword-events/openapi.json")
    )
    assert same.exit_code == 0, same.output


def _vendor_update(repo: Path) -> Path:
    """A newer 1Password document the overlay still applies to: one more optional field."""
    data = json.loads((repo / "specs/onepassword-events/openapi.json").read_text())
    data["info"]["version"] = "1.0.1"
    data["components"]["schemas"]["SignInAttempt"]["properties"]["account_uuid"] = {
        "type": "string"
    }
    path = repo / "vendor-1.0.1.json"
    path.write_text(json.dumps(data, indent=2))
    return path


def test_update_replaces_spec_and_regenerates(repo: Path) -> None:
    new = _vendor_update(repo)
    result = run(repo, "update", "onepassword-events", "--from", str(new))
    assert result.exit_code == 0, result.output
    assert "response-property-added" in result.output
    assert (repo / "specs/onepassword-events/openapi.json").read_text() == new.read_text()
    models = (repo / "generated/onepassword_events/onepassword_events/models.py").read_text()
    assert "account_uuid" in models
    assert run(repo, "check", "onepassword-events").exit_code == 0


def test_update_that_breaks_a_recording_changes_nothing(repo: Path) -> None:
    data = json.loads((repo / "specs/onepassword-events/openapi.json").read_text())
    data["components"]["schemas"]["Client"]["properties"]["app_version"] = {"type": "integer"}
    new = repo / "bad.json"
    new.write_text(json.dumps(data))
    before = tree_digest(repo / "specs") | tree_digest(repo / "generated")
    result = run(repo, "update", "onepassword-events", "--from", str(new))
    assert result.exit_code == 1
    assert "app_version" in result.output
    assert tree_digest(repo / "specs") | tree_digest(repo / "generated") == before


def test_update_whose_overlay_no_longer_applies_changes_nothing(repo: Path) -> None:
    before = tree_digest(repo / "specs") | tree_digest(repo / "generated")
    newer = ROOT / "tests/fixtures/diff/onepassword/new.json"
    result = run(repo, "update", "onepassword-events", "--from", str(newer))
    assert result.exit_code == 1
    assert "matches nothing" in result.output
    assert "Traceback" not in result.output
    assert tree_digest(repo / "specs") | tree_digest(repo / "generated") == before


def test_update_refuses_breaking_changes_when_asked(repo: Path) -> None:
    data = json.loads((repo / "specs/onepassword-events/openapi.json").read_text())
    data["servers"] = data["servers"][:1]
    new = repo / "fewer-servers.json"
    new.write_text(json.dumps(data))
    before = tree_digest(repo / "specs")
    result = run(repo, "update", "onepassword-events", "--from", str(new), "--fail-on", "breaking")
    assert result.exit_code == 1
    assert "server-removed" in result.output
    assert tree_digest(repo / "specs") == before
