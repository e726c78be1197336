"""Request bodies given as dicts are checked as models are, before sending, and responses that
do not fit the spec are read anyway under ``strict_responses=False`` (issue 12).

``tests/fixtures/real/bodies/widgets.yaml`` is generated once into a temporary folder, imported,
and called through ``httpx.MockTransport``.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import string
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.build import Target
from generator.errors import Report
from generator.load import load_document
from generator.pipeline import generate_in_memory
from generator.template_sets import default_sets
from generator.write import write_package

SPEC = Path(__file__).resolve().parents[1] / "fixtures" / "real" / "bodies" / "widgets.yaml"
KEYS = ("name", "kind", "parts", "format", "labels")


def _generate(folder: Path, package: str, resources: Any = "auto") -> Path:
    source = load_document(SPEC)
    report = Report(package)
    target = Target(package, "Widgets", resources=resources)
    generation = generate_in_memory(source.data, package, target, default_sets(), report)
    report.raise_for(strict=True)
    write_package(folder / package, generation.files)
    return folder / package


@pytest.fixture(scope="module")
def pkg(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    project = _generate(tmp_path_factory.mktemp("bodies"), "widgets_bodies")
    sys.path.insert(0, str(project))
    return importlib.import_module("widgets_bodies")


@pytest.fixture(scope="module")
def grouped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same API grouped into resources: its models a lazily loaded package."""
    return _generate(tmp_path_factory.mktemp("grouped"), "widgets_grouped", "tags")


class Server:
    """Answers every request with ``answer`` and keeps what it was sent."""

    def __init__(self, answer: Any = None) -> None:
        self.answer = {"id": 1, "name": "w"} if answer is None else answer
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return httpx.Response(200, json=self.answer)


def client(pkg: ModuleType, server: Server, **kwargs: Any) -> Any:
    transport = httpx.MockTransport(server)
    return pkg.Widgets(http_client=httpx.Client(transport=transport), **kwargs)


# -- request bodies ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"name": "w", "fromat": "x"},
            "createWidget: body.fromat: not a key of WidgetCreate (did you mean 'format'?)",
        ),
        (
            {"name": "w", "parts": [{"label": "a"}, {"label": "b", "cuont": 2}]},
            "createWidget: body.parts[1].cuont: not a key of Part (did you mean 'count'?)",
        ),
        (
            {"name": "w", "kind": "gizmo"},
            "createWidget: body.kind: 'gizmo' is not one of the values the spec lists"
            " ('gear', 'spring')",
        ),
        ({"name": ["w"]}, "createWidget: body: name: Input should be a valid string"),
        (
            {"name": "w", "parts": [{"label": "a", "count": "many"}]},
            "createWidget: body: parts.0.count: Input should be a valid integer",
        ),
        ({"name": "w", "labels": {"a": 1}}, "createWidget: body: labels.a: Input should be"),
    ],
)
def test_a_dict_body_the_spec_refuses_is_never_sent(
    pkg: ModuleType, body: dict[str, Any], message: str
) -> None:
    server = Server()
    with pytest.raises(pkg.errors.RequestValidationError) as caught:
        client(pkg, server).create_widget(body=body)
    assert str(caught.value).startswith(message)
    assert server.requests == []


def test_the_async_client_refuses_the_same(pkg: ModuleType) -> None:
    server = Server()

    async def call() -> Any:
        transport = httpx.MockTransport(server)
        async with pkg.AsyncWidgets(http_client=httpx.AsyncClient(transport=transport)) as c:
            return await c.create_widget(body={"name": "w", "fromat": "x"})

    with pytest.raises(pkg.errors.RequestValidationError, match=r"body\.fromat"):
        asyncio.run(call())
    assert server.requests == []


def test_request_validation_error_is_an_api_error_and_a_value_error(pkg: ModuleType) -> None:
    error = pkg.errors.RequestValidationError
    assert issubclass(error, pkg.errors.APIError)
    assert issubclass(error, ValueError)
    assert "RequestValidationError" in pkg.errors.__all__


def test_a_model_is_sent_as_it_is_extras_and_all(pkg: ModuleType) -> None:
    """A model's extras and its enum values are the caller's choice: only data is checked."""
    server = Server()
    part = pkg.models.Part(label="p", colour="red")
    body = pkg.models.WidgetCreate(name="w", kind="gizmo", parts=[part])
    client(pkg, server).create_widget(body=body)
    assert server.requests[0].content == (
        b'{"kind":"gizmo","name":"w","parts":[{"label":"p","colour":"red"}]}'
    )


def test_a_model_inside_a_dict_keeps_its_extras(pkg: ModuleType) -> None:
    server = Server()
    part = pkg.models.Part(label="p", colour="red")
    client(pkg, server).create_widget(body={"name": "w", "parts": [part]})
    assert server.requests[0].content == b'{"name":"w","parts":[{"label":"p","colour":"red"}]}'


_text = st.text(string.ascii_letters, min_size=1, max_size=8)
_part = st.fixed_dictionaries({"label": _text}, optional={"count": st.integers(0, 99)})
_bodies = st.fixed_dictionaries(
    {"name": _text},
    optional={
        "kind": st.sampled_from(["gear", "spring"]),
        "parts": st.lists(_part, max_size=3),
        "format": _text,
        "labels": st.dictionaries(_text, _text, max_size=2),
    },
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=_bodies, extra=_text)
def test_a_valid_dict_is_sent_and_any_other_key_is_named(
    pkg: ModuleType, body: dict[str, Any], extra: str
) -> None:
    server = Server()
    client(pkg, server).create_widget(body=body)
    assert httpx.Response(200, content=server.requests[0].content).json() == body

    if extra in KEYS:
        return
    with pytest.raises(pkg.errors.RequestValidationError) as caught:
        client(pkg, server).create_widget(body={**body, extra: 1})
    assert f"body.{extra}: not a key of WidgetCreate" in str(caught.value)
    assert len(server.requests) == 1


# -- lenient responses ---------------------------------------------------------------------------

ODD = {"id": "seven", "name": "w", "kind": "gizmo", "parts": [{"label": "a"}, {"label": 3}]}


def test_a_response_that_does_not_fit_raises_by_default(pkg: ModuleType) -> None:
    with pytest.raises(pkg.errors.ResponseValidationError, match="id: Input should be"):
        client(pkg, Server(ODD)).create_widget(body={"name": "w"})


def _check_lenient(pkg: ModuleType, widget: Any) -> None:
    assert isinstance(widget, pkg.models.Widget)
    assert widget.id == "seven"  # kept as sent
    assert widget.name == "w"
    assert widget.kind == "gizmo"  # an unknown enum value fits: open enums read it
    assert [type(p) for p in widget.parts] == [pkg.models.Part, pkg.models.Part]
    assert widget.parts[0].label == "a"
    assert widget.parts[1].label == 3


def test_strict_responses_false_builds_the_model_and_warns(
    pkg: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="widgets_bodies"):
        widget = client(pkg, Server(ODD), strict_responses=False).create_widget(body={"name": "w"})
    _check_lenient(pkg, widget)
    [record] = [r for r in caplog.records if r.name == "widgets_bodies"]
    assert record.levelno == logging.WARNING
    assert record.getMessage().startswith("createWidget: response does not match the spec")
    assert "id: Input should be" in record.getMessage()


def test_with_options_turns_leniency_on_and_off(pkg: ModuleType) -> None:
    strict = client(pkg, Server(ODD))
    lenient = strict.with_options(strict_responses=False)
    _check_lenient(pkg, lenient.create_widget(body={"name": "w"}))
    with pytest.raises(pkg.errors.ResponseValidationError):
        strict.create_widget(body={"name": "w"})
    with pytest.raises(pkg.errors.ResponseValidationError):
        lenient.with_options(strict_responses=True).create_widget(body={"name": "w"})


def test_one_odd_item_leaves_the_others_typed(pkg: ModuleType) -> None:
    page = {"items": [{"id": 1, "name": "a"}, {"id": "two", "name": "b"}, {"id": 3}], "total": 3}
    result = client(pkg, Server(page), strict_responses=False).list_widgets(offset=0)
    assert isinstance(result, pkg.models.WidgetList)
    assert [type(w) for w in result.items] == [pkg.models.Widget] * 3
    assert result.items[0].model_dump() == {"id": 1, "kind": None, "name": "a", "parts": None}
    assert result.items[1].id == "two"
    assert result.items[2].id == 3
    assert "name" not in result.items[2].model_fields_set  # missing though required: not set
    assert result.total == 3


def test_the_async_client_reads_leniently_too(pkg: ModuleType) -> None:
    async def call() -> Any:
        transport = httpx.MockTransport(Server(ODD))
        async with pkg.AsyncWidgets(
            http_client=httpx.AsyncClient(transport=transport), strict_responses=False
        ) as c:
            return await c.create_widget(body={"name": "w"})

    _check_lenient(pkg, asyncio.run(call()))


def test_a_body_that_is_not_even_an_object_is_kept_as_it_is(pkg: ModuleType) -> None:
    odd = ["not", "a", "widget"]
    assert client(pkg, Server(odd), strict_responses=False).create_widget(body={"name": "w"}) == odd


def test_a_lenient_pager_hands_out_every_item(
    pkg: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    page = {"items": [{"id": 1, "name": "a"}, {"id": "two", "name": "b"}], "total": 2}
    with caplog.at_level(logging.WARNING, logger="widgets_bodies"):
        items = list(client(pkg, Server(page), strict_responses=False).iter_list_widgets())
    assert [w.id for w in items] == [1, "two"]
    assert all(isinstance(w, pkg.models.Widget) for w in items)
    assert len([r for r in caplog.records if r.name == "widgets_bodies"]) == 1
    with pytest.raises(pkg.errors.ResponseValidationError):
        list(client(pkg, Server(page)).iter_list_widgets())


def test_page_items_read_outside_the_page_model_are_lenient_too(pkg: ModuleType) -> None:
    """Items the page's own model does not hold are read from the decoded body, one by one."""
    pagination = importlib.import_module("widgets_bodies._pagination")
    base = importlib.import_module("widgets_bodies._base")
    ops = importlib.import_module("widgets_bodies._operations")
    data = {"items": [{"id": 1, "name": "a"}, {"id": "two", "name": "b"}], "total": 2}
    request = httpx.Request("GET", "https://api.example.com/widgets")
    response = httpx.Response(200, json=data, request=request)
    raw = base.Raw(response, None, data)  # no page model: the raw path
    strict = pagination.PageWalk(ops.LIST_WIDGETS, {}, None)
    with pytest.raises(pkg.errors.ResponseValidationError):
        strict.advance(raw)
    page = pagination.PageWalk(ops.LIST_WIDGETS, {}, None, strict=False).advance(raw)
    assert [type(w) for w in page.items] == [pkg.models.Widget] * 2
    assert [w.id for w in page.items] == [1, "two"]


# -- TypedDicts ----------------------------------------------------------------------------------


def test_each_object_a_body_holds_has_a_param_typeddict(pkg: ModuleType) -> None:
    params = importlib.import_module("widgets_bodies.params")
    assert params.__all__ == ["PartParam", "SpecParam", "WidgetCreateParam"]
    # annotations stay text at run time (type checkers read them; a call never needs them)
    annotations = params.WidgetCreateParam.__annotations__
    assert {key: ref.__forward_arg__ for key, ref in annotations.items()} == {
        "name": "Required[str]",
        "kind": "Literal['gear', 'spring']",
        "parts": "Sequence[PartParam]",
        "format": "str",
        "labels": "Mapping[str, str]",
        "made": "datetime.datetime | str",
        "spec": "SpecParam",
    }
    # keys that are not Python names (``x-rate``, ``class``) take the functional syntax
    assert list(params.SpecParam.__annotations__) == ["x-rate", "class", "inner"]
    assert "WidgetParam" not in params.__all__  # only a response holds it


USAGE = """
from __future__ import annotations

import datetime

from {package} import Widgets, models, params


def calls(client: Widgets) -> None:
    body: params.WidgetCreateParam = {{
        "name": "w",
        "kind": "gear",
        "parts": [{{"label": "a", "count": 2}}],
        "made": datetime.datetime.now(datetime.timezone.utc),
        "spec": {{"x-rate": 1.5, "inner": {{"class": "c"}}}},
    }}
    client.{call}(body=body)
    client.{call}(body={{"name": "w", "made": "2024-01-01T00:00:00Z"}})
    client.{call}(body=models.WidgetCreate(name="w"))


def wrong(client: Widgets) -> None:
    client.{call}(body={{"name": "w", "fromat": "x"}})
    client.{call}(body={{"name": "w", "kind": "gizmo"}})
    client.{call}(body={{"name": "w", "parts": [{{"label": 1}}]}})
    client.{call}(body={{"kind": "gear"}})
"""


@pytest.mark.parametrize("layout", ["flat", "grouped"])
def test_a_type_checker_catches_what_the_runtime_refuses(
    pkg: ModuleType, grouped: Path, layout: str, tmp_path: Path
) -> None:
    if layout == "flat":
        project, package, call = (
            Path(pkg.__file__ or "").parents[1],
            "widgets_bodies",
            "create_widget",
        )
    else:
        project, package, call = grouped, "widgets_grouped", "widgets.create_widget"
    usage = USAGE.format(package=package, call=call)
    (tmp_path / "usage.py").write_text(usage)
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--cache-dir",
         str(tmp_path / "cache"), package, str(tmp_path / "usage.py")],
        cwd=project, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    errors = [line for line in proc.stdout.splitlines() if ": error:" in line]
    assert [line for line in errors if "usage.py" not in line] == [], proc.stdout
    wrong_start = usage[: usage.index("def wrong")].count("\n") + 1
    lines = sorted({int(line.split(":")[1]) for line in errors})
    assert lines == [wrong_start + n for n in (1, 2, 3, 4)], proc.stdout


def test_a_grouped_client_call_never_loads_the_typeddicts(grouped: Path) -> None:
    script = textwrap.dedent(
        """
        import sys, httpx
        from widgets_grouped import Widgets
        answer = httpx.Response(200, json={"id": 1, "name": "w"})
        transport = httpx.MockTransport(lambda request: answer)
        client = Widgets(http_client=httpx.Client(transport=transport))
        print(client.widgets.create_widget(body={"name": "w", "parts": [{"label": "a"}]}).id)
        try:
            client.widgets.create_widget(body={"name": "w", "fromat": "x"})
        except ValueError as error:
            print(error)
        print(sorted(m for m in sys.modules if m.startswith("widgets_grouped.params")))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=grouped, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "1",
        "createWidget: body.fromat: not a key of WidgetCreate (did you mean 'format'?)",
        "[]",
    ]
