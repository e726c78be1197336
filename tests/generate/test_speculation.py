"""A large spec's validator runs in a child process beside generation: the result must be the
one checking first gives, whether the validator then finds nothing or something to repair."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import validate
from generator.bundle import report_for
from generator.cache import Cache
from generator.errors import Report
from generator.pipeline import Generation, generate_in_memory, spec_file_target
from generator.template_sets import default_sets

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CLEAN = FIXTURES / "openapi" / "petstore.yaml"
SLIPS = FIXTURES / "real" / "lenient" / "slips.yaml"  # slips of every kind, repaired
# Only the validator finds this one (no dangling reference, nothing normalised first).
TYPO = """\
openapi: 3.0.3
info: {title: Typo, version: "1"}
paths:
  /things:
    get:
      operationId: listThings
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Thing"}
components:
  schemas:
    Thing:
      type: object
      properties:
        name: {type: strin}
        size: {type: integer}
"""


@pytest.fixture
def typo(tmp_path: Path) -> Path:
    path = tmp_path / "typo.yaml"
    path.write_text(TYPO)
    return path


def generate(spec_file: Path, cache: Cache | None = None) -> tuple[Generation, Report]:
    source, target = spec_file_target(spec_file, None, None)
    report = report_for(source)
    generation = generate_in_memory(
        source.data, source.name, target, default_sets(), report, cache=cache
    )
    return generation, report


def warnings_of(report: Report) -> list[str]:
    return [str(d) for d in report.diagnostics]


@pytest.mark.parametrize("spec_file", [CLEAN, SLIPS, None], ids=["clean", "slips", "typo"])
def test_speculating_gives_what_checking_first_gives(
    spec_file: Path | None, typo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec_file = spec_file or typo
    monkeypatch.setattr(validate, "SPECULATE_MIN_PATHS", 10**9)
    in_order, in_order_report = generate(spec_file)
    monkeypatch.setattr(validate, "SPECULATE_MIN_PATHS", 1)  # every spec counts as large
    speculated, speculated_report = generate(spec_file)
    assert speculated.files == in_order.files
    assert warnings_of(speculated_report) == warnings_of(in_order_report)
    assert (speculated.operations, speculated.models) == (in_order.operations, in_order.models)


def test_a_large_clean_spec_is_validated_in_a_child(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate, "SPECULATE_MIN_PATHS", 1)
    source, _ = spec_file_target(CLEAN, None, None)
    speculation = validate.check_spec_speculatively(source.data, report_for(source))
    assert speculation._child is not None  # running beside the caller
    assert speculation.confirm() is True
    assert speculation.checked.spec is not None


def test_a_spec_the_validator_finds_fault_with_is_not_confirmed(
    typo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(validate, "SPECULATE_MIN_PATHS", 1)
    source, _ = spec_file_target(typo, None, None)
    speculation = validate.check_spec_speculatively(source.data, report_for(source))
    assert speculation._child is not None
    assert speculation.confirm() is False


def test_a_cached_check_replays_its_warnings_with_lines(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    first, first_report = generate(SLIPS, cache)
    assert first_report.warnings
    again, again_report = generate(SLIPS, cache)
    assert again.files == first.files
    assert warnings_of(again_report) == warnings_of(first_report)
    assert all(d.line is not None for d in again_report.warnings if d.pointer)


@pytest.mark.parametrize("spec_file", [CLEAN, SLIPS], ids=["clean", "slips"])
def test_models_made_in_a_process_of_their_own_are_the_same(
    spec_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator import pipeline

    in_process, in_process_report = generate(spec_file)
    monkeypatch.setattr(pipeline, "MODELS_APART_MIN", 1)  # every spec counts as large
    apart, apart_report = generate(spec_file)
    assert apart.files == in_process.files
    assert warnings_of(apart_report) == warnings_of(in_process_report)


def test_an_error_from_a_worker_keeps_its_diagnostics() -> None:
    import pickle

    from generator.errors import SpecgenError

    error = SpecgenError.at("spec.yaml", "/components/schemas/A", "cannot generate", 12)
    again = pickle.loads(pickle.dumps(error))
    assert again.diagnostics == error.diagnostics and str(again) == str(error)
