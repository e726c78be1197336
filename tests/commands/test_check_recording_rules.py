"""`specgen check` applies the recording rules the tests apply, with the same messages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from generator.cli import main
from generator.project import load_api
from generator.recording_rules import coverage_problems
from generator.recordings import load_recordings

ROOT = Path(__file__).resolve().parents[2]
API = "onegini-events"


def copy_api(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "specs" / API, tmp_path / "specs" / API)
    shutil.copytree(ROOT / "generated" / "onegini_events", tmp_path / "generated/onegini_events")
    return tmp_path / "specs" / API / "recordings"


def check(tmp_path: Path) -> tuple[int, list[str]]:
    args = ["check", "--specs", str(tmp_path / "specs"), "--output", str(tmp_path / "generated")]
    result = CliRunner().invoke(main, [*args, API])
    return result.exit_code, result.output.splitlines()


def expected(tmp_path: Path) -> list[str]:
    """The messages the tests (tests/generate/test_specs.py) would fail with."""
    api = load_api(tmp_path / "specs", API)
    found = coverage_problems(api.spec, load_recordings(api.recordings_dir), api.recordings_dir)
    return [f"error: {d}" for d in found]


def test_missing_error_recordings_and_credentials_fail_the_check(tmp_path: Path) -> None:
    folder = copy_api(tmp_path)
    for path in folder.glob("searchEvents--error-*.json"):
        path.unlink()
    for path in folder.glob("*.json"):
        data = json.loads(path.read_text("utf-8"))
        data["request"]["headers"].pop("authorization", None)
        path.write_text(json.dumps(data, indent=2) + "\n", "utf-8")
    status, lines = check(tmp_path)
    assert status == 1
    problems = expected(tmp_path)
    assert len(problems) == 2
    assert (
        "no error recording of searchEvents (GET /api/events), which documents 400" in problems[0]
    )
    assert "no recording shows the authorization header" in problems[1]
    assert [line for line in lines if line.startswith("error: ")] == problems
    assert lines[-1].endswith("(2 problems)")


def test_a_walk_that_skips_items_fails_the_check(tmp_path: Path) -> None:
    folder = copy_api(tmp_path)
    page = folder / "searchEvents--actor-walk-page-2.json"
    data = json.loads(page.read_text("utf-8"))
    data["request"]["query"] = data["request"]["query"].replace("offset=", "offset=9")
    page.write_text(json.dumps(data, indent=2) + "\n", "utf-8")
    status, lines = check(tmp_path)
    assert status == 1
    problems = expected(tmp_path)
    # Page 2 does not follow page 1, nor page 3 page 2.
    assert problems[0] == (
        f"error: {page} at /request: not the page after searchEvents--actor-walk-page-1.json: "
        "offset 93 != 0 + 3"
    )
    assert "searchEvents--actor-walk-page-3.json at /request" in problems[1]
    assert [line for line in lines if line.startswith("error: ")] == problems
