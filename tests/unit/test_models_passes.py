"""The models' post-passes made at once, from edits placed in one tree, write what the passes
write one after another, each on a fresh parse of the code the one before wrote.

Both ways live in ``generator.models``: at once is the usual one, in turn is the one taken when
classes are reordered or edits would overlap. Modules are drawn like the library writes them:
single-quoted literals, docstrings between blank lines, annotations naming classes defined
later, fields named like the types they hold, text beyond ASCII on lines that are edited.
"""

from __future__ import annotations

import ast
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from generator import models

TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"))
    | st.sampled_from("'\"\\\n é€"),
    max_size=40,
)
FIELD_NAMES = st.sampled_from(["name", "date", "datetime", "int", "items", "kind", "créé"])


def _literal(value: str, raw: bool) -> str:
    """``value`` as the library may write it: single quotes where it can, or a raw string."""
    if raw and "'" not in value and "\n" not in value and not value.endswith("\\"):
        return f"r'{value}'"
    return repr(value)


@st.composite
def annotations(draw: Any, classes: list[str]) -> str:
    kinds = ["str", "int", "datetime", "date", "Any", *classes]
    kind = draw(st.sampled_from(kinds))
    if draw(st.booleans()):
        kind = f"list[{kind}]"
    if draw(st.booleans()):
        values = draw(st.lists(TEXT, min_size=1, max_size=3))
        kind = f"Literal[{', '.join(_literal(v, False) for v in values)}] | {kind}"
    if draw(st.booleans()):
        kind += " | None"
    if not draw(st.booleans()):
        return kind
    alias = _literal(draw(TEXT), draw(st.booleans()))
    if draw(st.booleans()):  # over several lines, as black would leave a long one
        return f"Annotated[\n        {kind},\n        Field(alias={alias}),\n    ]"
    return f"Annotated[{kind}, Field(alias={alias}, description={_literal(draw(TEXT), False)})]"


def _docstring(text: str, indent: str) -> str:
    body = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'{indent}"""\n{indent}{body}\n{indent}"""\n'


@st.composite
def modules(draw: Any) -> str:
    # Some names long enough that a class statement no longer fits on one line.
    long = st.sampled_from(["", "WithAVeryLongNameThatTheLibraryTookFromAnInlineSchema" * 2])
    names = [f"Model{i}{draw(long)}" for i in range(draw(st.integers(1, 5)))]
    datetime_import = draw(
        st.sampled_from(
            [
                "from datetime import date, datetime\n",
                "from datetime import date as date_aliased, datetime\n",
                "from datetime import datetime as datetime_aliased, date\n",
                "",
            ]
        )
    )
    head = (
        '"""Models."""\n\nfrom __future__ import annotations\n\n'
        "from typing import Annotated, Any, Literal\n"
        "from pydantic import BaseModel, ConfigDict, Field, RootModel\n" + datetime_import
    )
    if draw(st.booleans()):
        head += "\nint_aliased = int\n"
    parts = []
    for index, name in enumerate(names):
        later = names[: index + 1] if draw(st.booleans()) else names
        if index and draw(st.booleans()):
            part = f"class {name}({names[index - 1]}):\n"  # inherits its config
        elif draw(st.booleans()):
            part = f"class {name}(RootModel[{draw(annotations(later))}]):\n"
        else:
            part = f"class {name}(BaseModel):\n"
        body = []
        if draw(st.booleans()):
            body.append(_docstring(draw(TEXT), "    "))
        if draw(st.booleans()):
            config = draw(st.sampled_from(["extra='allow'", "extra='forbid'", 'extra="allow"']))
            body.append(f"    model_config = ConfigDict(\n        {config},\n    )\n")
        for field in draw(st.lists(FIELD_NAMES, max_size=4, unique=True)):
            default = " = None" if draw(st.booleans()) else ""
            body.append(f"    {field}: {draw(annotations(later))}{default}\n")
            if draw(st.booleans()):
                body.append(_docstring(draw(TEXT), "    "))
        if not body:
            body.append("    pass\n")
        gap = "\n" if draw(st.booleans()) else ""
        parts.append(part + gap.join(body))
    code = head + "\n\n" + "\n\n".join(parts)
    rebuilt = draw(st.lists(st.sampled_from(names), max_size=2, unique=True))
    if rebuilt:
        code += "\n\n" + "".join(f"{name}.model_rebuild()\n" for name in rebuilt)
    return code


def _both(code: str) -> tuple[str, str]:
    tree = ast.parse(code)
    survey = models._surveyed(tree)
    assert models._deepest(survey.uses) <= models.MAX_LAZY_DEPTH
    return models._finished_at_once(code, tree, survey), models._finished_in_order(code, tree)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(modules())
@example(
    '"""M."""\n\nfrom __future__ import annotations\n\nfrom pydantic import BaseModel, Field\n'
    "from datetime import date, datetime\n\n\n"
    'class A(BaseModel):\n    """\n    Doc \'é\'.\n    """\n\n'
    "    datetime: Annotated[B | None, Field(alias='é€', description='x')] = None\n"
    '    """\n    Field.\n    """\n\n\nclass B(BaseModel):\n    name: Literal[\'é\'] | None\n\n\n'
    "A.model_rebuild()\n"
)
def test_edits_at_once_write_what_the_passes_write_in_turn(code: str) -> None:
    at_once, in_turn = _both(code)
    assert at_once == in_turn
    finished = ast.parse(at_once)
    classes = [n.name for n in finished.body if isinstance(n, ast.ClassDef)]
    assert classes == [n.name for n in ast.parse(code).body if isinstance(n, ast.ClassDef)]
    assert "from __future__ import annotations" not in at_once
    assert ".model_rebuild()" not in at_once  # every class builds on first use instead


def test_edits_inside_a_rewritten_span_give_way_and_crossing_ones_are_refused() -> None:
    assert models._applied("abcdef", [(1, 5, "X"), (2, 3, "Y"), (5, 5, "Z")]) == "aXZf"
    assert models._applied("abcdef", [(1, 3, "X"), (1, 3, "Y")]) == "aXdef"  # listed first wins
    with pytest.raises(models._Overlap):
        models._applied("abcdef", [(1, 3, "X"), (2, 5, "Y")])


LONG = "ActionsListSelectedRepositoriesEnabledGithubActionsOrganizationResponse"


def test_class_statements_too_long_are_written_as_black_lays_them_out() -> None:
    import black

    from generator.fmt import mode

    code = (
        "from pydantic import BaseModel, RootModel\n\n\n"
        f"class {LONG}(BaseModel):\n    x: int\n\n\n"
        f"class {LONG}Item({LONG}, BaseModel):\n    y: int\n\n\n"
        f"class {LONG}Ids(RootModel[list[int]]):\n    root: list[int]\n"
    )
    finished = models.defer_model_builds(code, ast.parse(code))
    assert f"class {LONG}(\n    BaseModel, defer_build=True\n):\n" in finished
    assert f"class {LONG}Item(\n    {LONG}, BaseModel\n):\n" in finished
    assert f"class {LONG}Ids(\n    RootModel[list[int]], defer_build=True\n):" in finished
    assert black.format_str(finished, mode=mode()) == finished


@pytest.mark.parametrize(
    ("bases", "root"),
    [
        # Bases too long for a line of their own: black splits them, from the statement as is.
        (f"RootModel[list[{LONG}Item]]", f"list[{LONG}Item]"),
        # A literal another pass requotes, inside the span a rewritten statement would replace.
        ("RootModel[Literal['a', 'b']]", "Literal['a', 'b']"),
    ],
    ids=["bases-too-long", "literal-in-bases"],
)
def test_some_class_statements_are_left_to_black(bases: str, root: str) -> None:
    code = (
        "from typing import Literal\n\nfrom pydantic import RootModel\n\n\n"
        f"class {LONG}({bases}):\n    root: {root}\n"
    )
    finished = models.defer_model_builds(code, ast.parse(code))
    assert f"class {LONG}({bases}, defer_build=True):\n" in finished
