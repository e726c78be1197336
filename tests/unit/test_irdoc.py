"""The IR reference in docs/templates.md is generated from generator/ir.py and is current."""

from __future__ import annotations

import dataclasses
import inspect
import subprocess
import sys

import pytest

from generator import ir, irdoc


def test_docs_templates_md_holds_the_current_ir_reference() -> None:
    current = irdoc.DOCS.read_text(encoding="utf-8")
    assert irdoc.updated(current, irdoc.render()) == current, (
        "docs/templates.md is stale: run python -m generator.irdoc --write"
    )


def test_the_reference_names_every_ir_class_and_field_with_the_version() -> None:
    reference = irdoc.render()
    major, minor = ir.IR_VERSION
    assert f"IR version **{major}.{minor}**" in reference
    classes = [c for _, c in inspect.getmembers(ir, inspect.isclass) if dataclasses.is_dataclass(c)]
    assert {"Api", "Operation", "Model", "ModelField", "Credential", "Tag"} <= {
        c.__name__ for c in classes
    }
    for cls in classes:
        section = reference.split(f"### `{cls.__name__}`\n", 1)[1].split("\n### ", 1)[0]
        for field in dataclasses.fields(cls):
            assert f"| `{field.name}` |" in section, f"{cls.__name__}.{field.name}"


def test_a_field_without_a_doc_comment_is_refused() -> None:
    source = '''
from dataclasses import dataclass

@dataclass(frozen=True)
class Thing:
    """A thing."""

    #: Documented.
    good: str
    bad: int
'''
    with pytest.raises(ValueError, match=r"ir\.Thing\.bad has no '#:' comment"):
        irdoc.render(source)
    with pytest.raises(ValueError, match="no docstring"):
        irdoc.render("class Bare:\n    #: x\n    x: int\n")


def test_write_replaces_only_the_text_between_the_markers() -> None:
    document = f"# Title\n\nbefore\n\n{irdoc.START}\nold\n{irdoc.END}\n\nafter\n"
    result = irdoc.updated(document, "NEW")
    assert result == f"# Title\n\nbefore\n\n{irdoc.START}\nNEW\n{irdoc.END}\n\nafter\n"
    assert irdoc.updated(result, "NEW") == result
    with pytest.raises(ValueError, match="markers"):
        irdoc.updated("# no markers\n", "NEW")


def test_check_mode_of_the_command_passes_on_the_committed_docs() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "generator.irdoc", "--check"], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
