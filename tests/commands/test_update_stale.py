"""`specgen update` and `specgen diff` when the vendor fixed upstream what the overlay fixed."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from generator.cli import main
from generator.errors import SpecgenError
from generator.template_sets import templates_option as read_templates
from generator.update import apply_update, plan_update

ROOT = Path(__file__).resolve().parents[2]
API = "truelayer-tracking"
OVERLAY = f"specs/{API}/overlay.yaml"
# The two actions of the overlay the "fixed" vendor version below makes stale, with their lines.
STALE = {
    33: "$.components.schemas.TrackedEventResponse.additionalProperties",
    95: "$.components.responses['500'].content['application/json'].examples",
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "specs" / API, tmp_path / "specs" / API)
    shutil.copytree(
        ROOT / "generated" / "truelayer_tracking", tmp_path / "generated/truelayer_tracking"
    )
    return tmp_path


def fixed_upstream(repo: Path) -> Path:
    """A new vendor version that made two of the overlay's fixes itself (and one more)."""
    data = json.loads((repo / f"specs/{API}/openapi.json").read_text("utf-8"))
    schemas = data["components"]["schemas"]
    del schemas["TrackedEventResponse"]["additionalProperties"]
    del data["components"]["responses"]["500"]["content"]["application/json"]["examples"]
    schemas["TrackedEventResponse"]["properties"]["time"]["format"] = "date-time"
    path = repo / "vendor-1.0.1.json"
    path.write_text(json.dumps(data, indent=2), "utf-8")
    return path


def run(repo: Path, *args: str) -> Result:
    options = ["--specs", str(repo / "specs")]
    if args[0] in ("check", "update"):
        options += ["--output", str(repo / "generated")]
    return CliRunner().invoke(main, [args[0], *options, *args[1:]])


def digest(repo: Path) -> dict[str, str]:
    return {
        str(p.relative_to(repo)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(repo.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def stale_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith(("stale:", "dropped:"))]


def assert_lists_every_stale_action(result: Result, repo: Path, word: str) -> None:
    lines = stale_lines(result)
    assert len(lines) == len(STALE), result.stderr
    for line, (number, target) in zip(lines, STALE.items(), strict=True):
        assert line.startswith(f"{word}: {repo / OVERLAY}:{number} at /actions/")
        assert target in line and "matches nothing" in line
    assert "makes a client reject an event" in lines[0]  # the action's description


def test_update_lists_every_stale_action_shows_the_diff_and_changes_nothing(repo: Path) -> None:
    new = fixed_upstream(repo)
    before = digest(repo)
    result = run(repo, "update", API, "--from", str(new))
    assert result.exit_code == 1, result.output
    assert_lists_every_stale_action(result, repo, "stale")
    # Old effective spec to new effective spec without the stale actions: the client had these
    # values already, so nothing is reported.
    assert result.stdout.strip() == "No changes."
    assert "--drop-stale" in result.stderr.splitlines()[-1]
    assert digest(repo) == before


def test_the_diff_still_shows_real_changes(repo: Path) -> None:
    new = fixed_upstream(repo)
    data = json.loads(new.read_text("utf-8"))
    data["servers"].append({"url": "https://eu.example.com"})
    new.write_text(json.dumps(data), "utf-8")
    result = run(repo, "diff", API, str(new))
    assert result.exit_code == 0, result.output
    assert_lists_every_stale_action(result, repo, "stale")
    assert "server-added" in result.stdout
    assert "additionalProperties" not in result.stdout


def test_drop_stale_removes_the_actions_and_keeps_the_rest_of_the_file(repo: Path) -> None:
    new = fixed_upstream(repo)
    old_overlay = (repo / OVERLAY).read_text("utf-8").splitlines(keepends=True)
    result = run(repo, "update", API, "--from", str(new), "--drop-stale")
    assert result.exit_code == 0, result.output
    assert_lists_every_stale_action(result, repo, "dropped")
    assert (repo / f"specs/{API}/openapi.json").read_text("utf-8") == new.read_text("utf-8")
    overlay = (repo / OVERLAY).read_text("utf-8")
    for target in STALE.values():
        assert target not in overlay
    # Every other line is kept as written, in order (comments included).
    dropped = set(range(32, 38)) | set(range(94, 100))  # 0-based lines of the two actions
    kept = [line for n, line in enumerate(old_overlay) if n not in dropped]
    assert overlay.splitlines(keepends=True) == kept
    assert run(repo, "check", API).exit_code == 0
    assert run(repo, "update", API, "--from", str(new)).exit_code == 0  # nothing stale now


def test_drop_stale_writes_nothing_when_the_package_cannot_be_written(repo: Path) -> None:
    new = fixed_upstream(repo)
    plan = plan_update(repo / "specs", API, str(new), read_templates(None), drop_stale=True)
    assert plan.overlay_text is not None and plan.overlay_path is not None
    # A file the package may not hold (outside its folder): writing the package fails after the
    # spec and the overlay were replaced, so both must be put back.
    plan.files["../outside.py"] = "x = 1\n"
    before = digest(repo)
    with pytest.raises(SpecgenError):
        apply_update(plan, repo / "generated/truelayer_tracking")
    assert digest(repo) == before


def test_a_plan_with_stale_actions_not_dropped_cannot_be_applied(repo: Path) -> None:
    new = fixed_upstream(repo)
    plan = plan_update(repo / "specs", API, str(new), read_templates(None))
    assert plan.blocked_by_stale and plan.files == {}
    with pytest.raises(ValueError, match="stale"):
        apply_update(plan, repo / "generated/truelayer_tracking")
