"""Property-based tests of every generated client, derived from the specs under ``specs/``.

Every test is parametrized over every API (``generator.project.list_apis``) and over the
schemas, operations and recordings its spec declares: a new API is covered without new code.

1. models: instances of each component schema round-trip through the generated model, also
   with unknown fields and unknown enum values (lenient reading keeps them);
2. recordings: every recorded response body parses into its declared type and dumps back;
3. pagination: a fake server speaking the operation's ``x-pagination`` protocol; every item is
   yielded exactly once, in order, and ``pager.position`` resumes exactly where it stopped;
4. faults: 429/5xx/connection errors/timeouts/bad bodies either get retried to success or end
   in the documented error type, never anything else;
5. requests: what the client sends validates against the operation's parameters and body; what
   the spec rejects raises ``RequestValidationError`` before anything is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import json
import math
import re
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pydantic
import pytest
from hypothesis import HealthCheck, Phase, assume, example, given, note, settings
from hypothesis import strategies as st
from support import fakes
from support.apis import Case, api_keys, load_case
from support.compare import difference
from support.strategies import (
    closed,
    dump,
    instances,
    lenient_schema,
    mutate_leniently,
    open_to_any,
    properties_of,
    replace_at_pointer,
    schema_at_pointer,
    schema_types,
    validator,
)

from generator.errors import parse_pointer

SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


class Fixed:
    """A stand-in for ``st.data()`` in ``@example``: replays the draws of a stored regression for
    the one parametrized case it belongs to and rejects every other case."""

    def __init__(self, case: tuple[str, ...], *values: Any) -> None:
        self.case = case
        self.values = list(values)

    def draw(self, strategy: Any, label: str | None = None) -> Any:
        return self.values.pop(0)

    def check(self, *case: str) -> None:
        assume(tuple(case[: len(self.case)]) == self.case)

    def __repr__(self) -> str:
        return f"Fixed({self.case!r}, ...)"


def _check_case(data: Any, *case: str) -> None:
    if isinstance(data, Fixed):
        data.check(*case)


# -- 1. models ---------------------------------------------------------------------------------

MODEL_CASES = [
    pytest.param(key, name, id=f"{key}:{name}")
    for key in api_keys()
    for name in load_case(key).model_components()
]


def _model_class(ctx: Case, component: str) -> type[pydantic.BaseModel]:
    return getattr(ctx.module("models"), ctx.class_names[component])  # type: ignore[no-any-return]


def _reserved_names(ctx: Case) -> frozenset[str]:
    """Every field name and alias of every model: unknown keys must not collide with them."""
    names: set[str] = set()
    for value in vars(ctx.module("models")).values():
        if isinstance(value, type) and issubclass(value, pydantic.BaseModel):
            for field_name, field in value.model_fields.items():
                names |= {field_name, field.alias or field_name}
    return frozenset(names)


def _shadow_names(ctx: Case) -> frozenset[str]:
    """Python names of aliased fields (``session_id`` for ``sessionId``): keys the spec does not
    know, but that ``populate_by_name`` makes the models read as the aliased field."""
    names: set[str] = set()
    for value in vars(ctx.module("models")).values():
        if isinstance(value, type) and issubclass(value, pydantic.BaseModel):
            names |= {n for n, f in value.model_fields.items() if f.alias and f.alias != n}
    return frozenset(names)


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value).union(*(_keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_keys(v) for v in value))
    return set()


def _round_trip(model: type[pydantic.BaseModel], instance: Any) -> Any:
    adapter: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(model | None)  # type: ignore[operator]
    parsed = adapter.validate_python(instance, by_alias=True, by_name=False)  # as the client reads
    return dump(parsed)


@pytest.mark.parametrize(("key", "component"), MODEL_CASES)
@settings(max_examples=20, deadline=None, suppress_health_check=SLOW)
@given(data=st.data())
def test_model_round_trip(key: str, component: str, data: Any) -> None:
    """A valid instance parses, dumps back unchanged and the dump validates against the schema."""
    _check_case(data, key, component)
    ctx = load_case(key)
    schema = ctx.component_schema(component)
    instance = data.draw(instances(schema), label=f"{component} instance")
    assume(not _keys(instance) & _shadow_names(ctx))  # see test_model_unknown_field_like_alias
    dumped = _round_trip(_model_class(ctx, component), instance)
    note(f"dumped: {dumped!r}")
    assert difference(instance, dumped) is None, difference(instance, dumped)
    errors = [e.message for e in validator(schema).iter_errors(dumped)]
    assert not errors, errors


@pytest.mark.parametrize(("key", "component"), MODEL_CASES)
@settings(max_examples=20, deadline=None, suppress_health_check=SLOW)
@given(data=st.data())
def test_model_lenient_reading(key: str, component: str, data: Any) -> None:
    """Unknown fields and unknown enum values are kept, not dropped and not refused."""
    _check_case(data, key, component)
    ctx = load_case(key)
    schema = ctx.component_schema(component)
    instance = data.draw(instances(schema), label=f"{component} instance")
    assume(not _keys(instance) & _shadow_names(ctx))  # see test_model_unknown_field_like_alias
    grown = data.draw(
        st.composite(lambda draw: mutate_leniently(draw, instance, schema, _reserved_names(ctx)))(),
        label="with unknown fields and enum values",
    )
    dumped = _round_trip(_model_class(ctx, component), grown)
    note(f"dumped: {dumped!r}")
    assert difference(grown, dumped) is None, difference(grown, dumped)
    errors = [e.message for e in validator(lenient_schema(schema)).iter_errors(dumped)]
    assert not errors, errors


NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)
SHADOW_BUG = (
    "KNOWN LIMITATION (pydantic): the client reads bodies by alias only, so the unknown key "
    "'session_id' next to an absent 'sessionId' is kept as an extra and no longer refused; but "
    "pydantic stores such an extra under the field's attribute name, so the dump also shows "
    "the field (as null): the round trip is not exact"
)


def _shadow_cases() -> list[Any]:
    cases = []
    for key in api_keys():
        ctx = load_case(key)
        for component in ctx.model_components():
            schema = ctx.component_schema(component)
            fields = _model_class(ctx, component).model_fields
            props = properties_of(schema)
            for name, field in fields.items():
                if (
                    field.alias
                    and field.alias != name
                    and not field.is_required()
                    and name not in props
                    and open_to_any(schema)
                ):
                    cases.append(
                        pytest.param(
                            key,
                            component,
                            name,
                            id=f"{key}:{component}.{name}",
                            marks=pytest.mark.xfail(strict=True, reason=SHADOW_BUG),
                        )
                    )
    return cases


@pytest.mark.parametrize(("key", "component", "python_name"), _shadow_cases())
# A known limitation (strict xfail): no shrinking, so a fresh checkout does not spend minutes
# minimising examples that are expected to fail.
@settings(max_examples=5, deadline=None, suppress_health_check=SLOW, phases=NO_SHRINK)
@given(data=st.data())
@example(
    data=Fixed(
        ("apiture-events", "eventMessage", "session_id"),
        {"category": "", "id": "", "occurredAt": "2000-01-01T00:00:00Z", "type": ""},
    )
)
def test_model_unknown_field_like_alias(
    key: str, component: str, python_name: str, data: Any
) -> None:
    """An unknown key spelled like a field's Python name is kept as an unknown key.

    Minimal reproduction: ``EventMessage.model_validate({"id": "", "type": "", "category": "",
    "occurredAt": "2000-01-01T00:00:00Z", "session_id": 5})`` raises ValidationError although
    the schema allows any unknown property; with ``"session_id": "x"`` the dump says
    ``"sessionId": "x"``.
    """
    _check_case(data, key, component, python_name)
    ctx = load_case(key)
    schema = ctx.component_schema(component)
    instance = data.draw(instances(schema), label=f"{component} instance")
    assume(isinstance(instance, dict) and not _keys(instance) & _shadow_names(ctx))
    alias = _model_class(ctx, component).model_fields[python_name].alias
    grown = {k: v for k, v in instance.items() if k != alias}  # the field itself is absent
    grown[python_name] = {"unknown-field": True}
    assert validator(schema).is_valid(grown)
    dumped = _round_trip(_model_class(ctx, component), grown)
    assert difference(grown, dumped) is None, difference(grown, dumped)


def _is_date_time(schema: Any) -> bool:
    return isinstance(schema, dict) and (
        schema.get("format") == "date-time"
        or any(_is_date_time(m) for m in schema.get("anyOf", []) + schema.get("oneOf", []))
    )


TIMESTAMP_CASES = [
    pytest.param(key, name, prop, id=f"{key}:{name}.{prop}")
    for key, name in ((c.values[0], c.values[1]) for c in MODEL_CASES)
    for prop, schema in properties_of(load_case(key).component_schema(name)).items()
    if _is_date_time(schema)
]


@st.composite
def rfc3339_text(draw: Any) -> str:
    """RFC 3339 date-times with 0 to 9 fractional digits and a ``Z`` or ``+hh:mm``/``-hh:mm``."""
    day = draw(st.dates(dt.date(1900, 1, 1), dt.date(2999, 12, 31)))
    clock = draw(st.times()).replace(microsecond=0)
    digits = draw(st.integers(0, 9))
    fraction = "".join(
        draw(st.lists(st.sampled_from("0123456789"), min_size=digits, max_size=digits))
    )
    offset = draw(
        st.one_of(
            st.just("Z"),
            st.builds(
                lambda sign, h, m: f"{sign}{h:02d}:{m:02d}",
                st.sampled_from("+-"),
                st.integers(0, 23),
                st.integers(0, 59),
            ),
        )
    )
    return f"{day.isoformat()}T{clock.isoformat()}{'.' + fraction if digits else ''}{offset}"


@pytest.mark.parametrize(("key", "component", "prop"), TIMESTAMP_CASES)
@settings(max_examples=30, deadline=None, suppress_health_check=SLOW)
@given(data=st.data())
def test_timestamp_text_round_trips_exactly(key: str, component: str, prop: str, data: Any) -> None:
    """A date-time field read from any RFC 3339 text (0-9 fractional digits, any offset) is a
    datetime, and dumps back to exactly that text."""
    _check_case(data, key, component, prop)
    ctx = load_case(key)
    instance = data.draw(instances(ctx.component_schema(component)), label="instance")
    assume(isinstance(instance, dict) and not _keys(instance) & _shadow_names(ctx))
    text = data.draw(rfc3339_text(), label="timestamp")
    instance[prop] = text
    model = _model_class(ctx, component)
    parsed = model.model_validate(instance, by_alias=True, by_name=False)
    field = next(n for n, f in model.model_fields.items() if (f.alias or n) == prop)
    value = getattr(parsed, field)
    assert isinstance(value, dt.datetime)
    assert value.utcoffset() is not None
    assert parsed.model_dump(mode="json", by_alias=True)[prop] == text
    assert json.loads(parsed.model_dump_json(by_alias=True))[prop] == text


# -- 2. recordings -----------------------------------------------------------------------------

RECORDING_CASES = [
    pytest.param(key, recording.path.name, id=f"{key}:{recording.path.stem}")
    for key in api_keys()
    for recording in load_case(key).recordings
]


def _is_json(content_type: str) -> bool:
    media = content_type.split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


@pytest.mark.parametrize(("key", "name"), RECORDING_CASES)
def test_recorded_response_round_trips(key: str, name: str) -> None:
    """Each recorded JSON body parses into the operation's declared type and dumps back."""
    ctx = load_case(key)
    recording = next(r for r in ctx.recordings if r.path.name == name)
    op = ctx.operation(recording.operation_id)
    spec = ctx.op_spec(op).response_for(recording.status)
    body = recording.response["body"]
    if spec is None or spec.kind != "json" or not _is_json(recording.content_type):
        pytest.skip("no JSON body declared for this status")
    if recording.status >= 400 and spec.type is Any:
        pytest.skip("the spec declares no error model for this status")
    parsed = pydantic.TypeAdapter(spec.type).validate_python(body)
    if recording.status >= 400:
        assert isinstance(parsed, pydantic.BaseModel) or parsed == body
    assert difference(body, dump(parsed)) is None, difference(body, dump(parsed))


# -- shared: calls, clients, fake servers ------------------------------------------------------

OPERATION_CASES = [
    pytest.param(key, op.operation_id, id=f"{key}:{op.operation_id}")
    for key in api_keys()
    for op in load_case(key).ir.operations
]
PAGED_CASES = [
    pytest.param(key, op.operation_id, id=f"{key}:{op.operation_id}")
    for key in api_keys()
    for op in load_case(key).ir.operations
    if op.pagination is not None
]
JSON_SUCCESS_CASES = [
    pytest.param(key, op.operation_id, id=f"{key}:{op.operation_id}")
    for key in api_keys()
    for op in load_case(key).ir.operations
    if op.success is not None and op.success.kind == "json"
]
TOKEN_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=6
)


class Sent(Exception):
    """Raised by the capturing transport: the request left the client."""


def _draw_args(data: Any, ctx: Case, op: Any, *, optional: bool) -> dict[str, Any]:
    """Valid arguments: required parameters (and optional ones when ``optional``), with every
    ``x-require-any-of`` group satisfied."""
    schemas = ctx.param_schemas(op)
    args: dict[str, Any] = {}
    for p in op.parameters:
        wanted = p.required or (optional and data.draw(st.booleans(), label=f"give {p.name}"))
        if wanted:
            args[p.python_name] = data.draw(instances(schemas[p.name]["schema"]), label=p.name)
    for group in op.require_any_of:
        if all(args.get(n) is None for n in group):
            name = data.draw(st.sampled_from(group), label=f"one of {group}")
            wire = next(p.name for p in op.parameters if p.python_name == name)
            args[name] = data.draw(instances(schemas[wire]["schema"]), label=wire)
    return args


def _client(ctx: Case, handler: Any, *, asynchronous: bool = False, max_retries: int = 0) -> Any:
    transport = httpx.MockTransport(handler)
    http: Any = (
        httpx.AsyncClient(transport=transport)
        if asynchronous
        else httpx.Client(transport=transport)
    )
    client = ctx.client_class(asynchronous=asynchronous)(
        base_url=fakes.BASE_URL, http_client=http, max_retries=max_retries
    )
    client.sleeps = []
    if asynchronous:

        async def fake_sleep(seconds: float) -> None:
            client.sleeps.append(seconds)
    else:

        def fake_sleep(seconds: float) -> None:
            client.sleeps.append(seconds)

    client._sleep = fake_sleep
    client._clock = lambda: 1_700_000_000.0
    return client


def _kwargs(op: Any, args: dict[str, Any], body: Any) -> dict[str, Any]:
    return {**args, **({"body": body} if op.body is not None else {})}


def _iterate(
    op: Any, client: Any, kwargs: dict[str, Any], out: list[Any], asynchronous: bool
) -> None:
    """Collect ``iter_<method>`` into ``out`` (kept when the iteration raises)."""
    pager = getattr(client, f"iter_{op.method_name}")(**kwargs)
    if not asynchronous:
        out.extend(pager)
        return

    async def collect() -> None:
        async for item in pager:
            out.append(item)

    asyncio.run(collect())


def _same_items(expected: list[Any], got: list[Any]) -> None:
    found = difference(expected, [dump(item) for item in got])
    assert found is None, found


def _empty_run(pages: list[list[Any]]) -> int:
    run = 0
    for page in reversed(pages):
        if page:
            break
        run += 1
    return run


def _split(
    data: Any,
    items: list[Any],
    *,
    allow_empty: bool,
    trailing_empty: bool = True,
    max_empty_run: int = 1_000,
) -> list[list[Any]]:
    """Pages of ``items``; fewer than ``max_empty_run`` empty pages in a row say more follow
    (more would be a misbehaving server, which pagers stop with PaginationError)."""
    pages: list[list[Any]] = []
    rest = list(items)
    while rest:
        may_be_empty = len(pages) <= len(items) + 2 and _empty_run(pages) < max_empty_run - 1
        low = 0 if allow_empty and may_be_empty else 1
        size = data.draw(st.integers(low, len(rest)), label="page size")
        pages.append(rest[:size])
        rest = rest[size:]
    if not pages or (
        allow_empty and trailing_empty and data.draw(st.booleans(), label="trailing empty page")
    ):
        pages.append([])
    return pages


def _paged_setup(
    ctx: Case, op: Any, data: Any, *, max_items: int = 8, min_items: int = 0
) -> tuple[Any, Any, Any]:
    """(server, first-call args, first-call body) for a random walk of ``op``'s pages."""
    _, raw = ctx.raw(op)
    pagination = dict(raw["x-pagination"])
    style = pagination["style"]
    schema = ctx.response_schema(op, op.success.status)
    item_schema = schema_at_pointer(schema, pagination["items"])["items"]
    items = data.draw(
        st.lists(instances(item_schema), min_size=min_items, max_size=max_items), label="items"
    )
    assume(not _keys(items) & _shadow_names(ctx))  # see test_model_unknown_field_like_alias
    pages = _split(
        data,
        items,
        allow_empty=style != "offset",
        trailing_empty=not min_items,
        max_empty_run=ctx.module("_pagination").MAX_EMPTY_PAGES,
    )
    note(f"pages: {[len(p) for p in pages]}")
    emptied = replace_at_pointer(
        schema, parse_pointer(pagination["items"]), {"type": "array", "maxItems": 0}
    )
    skeleton = data.draw(instances(emptied), label="rest of the page body")
    check = validator(schema)

    def check_body(body: Any) -> None:
        errors = [e.message for e in check.iter_errors(body)]
        assert not errors, f"the fake server's page is invalid: {errors}"

    server = fakes.PagedServer(
        pagination,
        pages,
        skeleton,
        data.draw(TOKEN_TEXT, label="token prefix"),
        op.path,
        op.success.media_type or "application/json",
        check_body,
    )
    args = _draw_args(data, ctx, op, optional=False)
    pag = op.pagination
    if pag.position_param is not None:
        args[pag.position_param] = 0 if style == "offset" else None
    body = None
    if op.body is not None:
        body_schema = ctx.body_schema(op)
        body = data.draw(
            instances(body_schema).filter(
                lambda b: not (isinstance(b, dict) and pag.cursor_field in b)
            ),
            label="first body",
        )
    return server, args, body


def _resume_kwargs(op: Any, args: dict[str, Any], body: Any, position: Any) -> dict[str, Any]:
    pag = op.pagination
    if position is None:
        return _kwargs(op, args, body)
    if pag.style == "cursor":
        return _kwargs(op, args, {pag.cursor_field: position})
    return _kwargs(op, {**args, pag.position_param: position}, body)


# -- 3. pagination -----------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "operation_id"), PAGED_CASES)
@settings(max_examples=25, deadline=None, suppress_health_check=SLOW)
@given(data=st.data())
def test_pagination_yields_every_item_once_and_resumes(
    key: str, operation_id: str, data: Any
) -> None:
    """Every item once, in order; stopping after page k and resuming from ``position`` (page by
    page, or item by item at the end of a page) yields exactly the rest."""
    _check_case(data, key, operation_id)
    ctx = load_case(key)
    op = ctx.operation(operation_id)
    server, args, body = _paged_setup(ctx, op, data)
    handler = fakes.FaultyServer(server)
    asynchronous = data.draw(st.booleans(), label="async client")
    got: list[Any] = []
    _iterate(
        op,
        _client(ctx, handler, asynchronous=asynchronous),
        _kwargs(op, args, body),
        got,
        asynchronous,
    )
    _same_items(server.items, got)
    assert len(handler.requests) == len(server.pages)

    k = data.draw(st.integers(0, len(server.pages) - 1), label="stop after pages")
    client = _client(ctx, handler)
    pager = getattr(client, f"iter_{op.method_name}")(**_kwargs(op, args, body))
    consumed = [item for page in itertools.islice(pager.pages(), k) for item in page.items]
    before = [item for page in server.pages[:k] for item in page]
    rest = [item for page in server.pages[k:] for item in page]
    _same_items(before, consumed)
    note(f"position after {k} pages: {pager.position!r}")
    resumed: list[Any] = []
    _iterate(op, client, _resume_kwargs(op, args, body, pager.position), resumed, False)
    _same_items(rest, resumed)

    if k and server.pages[k - 1]:  # the same, stopping item by item
        pager = getattr(client, f"iter_{op.method_name}")(**_kwargs(op, args, body))
        consumed = list(itertools.islice(iter(pager), len(before)))
        _same_items(before, consumed)
        resumed = []
        _iterate(op, client, _resume_kwargs(op, args, body, pager.position), resumed, False)
        _same_items(rest, resumed)


PAGE_END_BUG = (
    "KNOWN LIMITATION: the 'page' style has no position past its last page (the server gives "
    "no next start), so after a finished walk `pager.finished` is the signal, and resuming "
    "from the last start repeats that page"
)
PAGED_END_CASES = [
    pytest.param(
        *case.values,
        id=case.id,
        marks=[pytest.mark.xfail(strict=True, reason=PAGE_END_BUG)]
        if load_case(case.values[0]).operation(case.values[1]).pagination.style == "page"
        else [],
    )
    for case in PAGED_CASES
]


@pytest.mark.parametrize(("key", "operation_id"), PAGED_END_CASES)
@settings(max_examples=8, deadline=None, suppress_health_check=SLOW, phases=NO_SHRINK)
@given(data=st.data())
@example(  # the shrunk counterexample of the page-style bug, as a stored regression
    data=Fixed(
        ("apiture-events", "listEventHistory"),
        [{"category": "", "id": "", "occurredAt": "2000-01-01T00:00:00Z", "type": ""}],  # items
        1,  # page size: one page
        {"items": [], "limit": 0},  # rest of the page body
        "",  # token prefix
    )
)
def test_pagination_resume_after_last_page_yields_nothing(
    key: str, operation_id: str, data: Any
) -> None:
    """A polling job that stored the position after the last page gets no item twice.

    Minimal reproduction (apiture-events listEventHistory): one page holding one event and no
    ``nextPage_url``; ``pager.position`` stays None, and resuming with ``start=None`` fetches
    and yields the same event again. With several pages, position is the last page's ``start``
    and that page is yielded again.
    """
    _check_case(data, key, operation_id)
    ctx = load_case(key)
    op = ctx.operation(operation_id)
    server, args, body = _paged_setup(ctx, op, data, max_items=4, min_items=1)
    assert server.pages[-1]
    client = _client(ctx, fakes.FaultyServer(server))
    pager = getattr(client, f"iter_{op.method_name}")(**_kwargs(op, args, body))
    consumed = [item for page in pager.pages() for item in page.items]
    _same_items(server.items, consumed)
    assert pager.finished
    note(f"position after the last page: {pager.position!r}")
    resumed: list[Any] = []
    _iterate(op, client, _resume_kwargs(op, args, body, pager.position), resumed, False)
    _same_items([], resumed)


LOOP_CASES = [
    pytest.param(*case.values, fault, id=f"{case.id}:{fault}")
    for case in PAGED_CASES
    for fault in ("repeat", "empty")
    if not (
        fault == "empty"
        and load_case(case.values[0]).operation(case.values[1]).pagination.style == "offset"
    )
]


@pytest.mark.parametrize(("key", "operation_id", "fault"), LOOP_CASES)
@settings(max_examples=15, deadline=None, suppress_health_check=SLOW)
@given(data=st.data())
def test_misbehaving_pagination_ends_in_pagination_error(
    key: str, operation_id: str, fault: str, data: Any
) -> None:
    """A server that repeats a position (cursor, watermark, next-page start; for offsets, the
    same page without a total) or sends empty pages that say more follow, from any page on,
    ends the walk in ``PaginationError`` naming the operation, within a bounded number of
    requests, after every item served before it went wrong."""
    _check_case(data, key, operation_id, fault)
    ctx = load_case(key)
    op = ctx.operation(operation_id)
    server, args, body = _paged_setup(ctx, op, data, max_items=5, min_items=1)
    at = data.draw(st.integers(0, len(server.pages) - 1), label="goes wrong at page")
    if op.pagination.style == "offset":
        assume(server.pages[at])  # an empty page ends an offset walk as it should
    back_to = data.draw(st.integers(0, at), label="repeats the position of page")
    looping = fakes.LoopingServer(server, at, fault, back_to)

    def bounded(request: httpx.Request) -> httpx.Response:
        assert len(handler.requests) <= 200, "the pager did not stop"  # instead of hanging
        return looping(request)

    handler = fakes.FaultyServer(bounded)
    asynchronous = data.draw(st.booleans(), label="async client")
    got: list[Any] = []

    with pytest.raises(ctx.errors.PaginationError) as caught:
        _iterate(
            op,
            _client(ctx, handler, asynchronous=asynchronous),
            _kwargs(op, args, body),
            got,
            asynchronous,
        )

    note(f"error: {caught.value}; {len(handler.requests)} requests")
    assert caught.value.operation_id == op.operation_id
    assert op.operation_id in str(caught.value)
    limit = ctx.module("_pagination").MAX_EMPTY_PAGES
    assert len(handler.requests) <= at + (2 if fault == "repeat" else limit)
    before = [item for page in server.pages[:at] for item in page]
    _same_items(before, got[: len(before)])


# -- 4. faults ---------------------------------------------------------------------------------

_NOW = 1_700_000_000.0
_RETRY_AFTER = st.one_of(
    st.none(),
    st.integers(0, 90).map(str),
    st.just("soon"),
    st.integers(-30, 90).map(
        lambda s: __import__("email.utils").utils.formatdate(_NOW + s, usegmt=True)
    ),
)
FAULTS = st.one_of(
    st.none(),
    st.tuples(st.just("status"), st.just(429), _RETRY_AFTER),
    st.tuples(st.just("status"), st.sampled_from([500, 502, 503, 504]), _RETRY_AFTER),
    st.tuples(st.just("connect")),
    st.tuples(st.just("timeout")),
    st.tuples(st.just("truncated"), st.floats(0, 0.99)),
    st.tuples(st.just("not-json")),
    st.tuples(st.just("wrong-type")),
)


def _error_class(ctx: Case, kind: str) -> type[Exception]:
    errors = ctx.errors
    return {  # type: ignore[no-any-return]
        "429": errors.RateLimitError,
        "5xx": errors.InternalServerError,
        "connect": errors.APIConnectionError,
        "timeout": errors.APITimeoutError,
        "bad-body": errors.ResponseValidationError,
    }[kind]


@pytest.mark.parametrize(("key", "operation_id"), JSON_SUCCESS_CASES)
@settings(max_examples=25, deadline=None, suppress_health_check=SLOW)
@given(data=st.data())
def test_faults_end_in_success_or_a_documented_error(
    key: str, operation_id: str, data: Any
) -> None:
    """Retryable faults are retried up to ``max_retries`` (sleeping through the fake), then the
    call succeeds or raises the documented ``APIError`` subclass; items are never repeated."""
    _check_case(data, key, operation_id)
    ctx = load_case(key)
    op = ctx.operation(operation_id)
    asynchronous = data.draw(st.booleans(), label="async client")
    max_retries = data.draw(st.integers(0, 3), label="max_retries")
    faults = data.draw(st.lists(FAULTS, max_size=8), label="faults")
    got: list[Any] = []
    if op.pagination is not None:
        server, args, body = _paged_setup(ctx, op, data, max_items=5)
        handler = fakes.FaultyServer(server, list(faults))
        needed, expected = len(server.pages), server.items
    else:
        args = _draw_args(data, ctx, op, optional=False)
        body = (
            data.draw(instances(_declared(ctx.body_schema(op))), label="body") if op.body else None
        )
        answer = data.draw(
            instances(ctx.response_schema(op, op.success.status)), label="response body"
        )
        assume(not _keys(answer) & _shadow_names(ctx))
        media = op.success.media_type or "application/json"
        handler = fakes.FaultyServer(
            lambda request: fakes.json_response(200, answer, media), list(faults)
        )
        needed, expected = 1, [answer]
    served, kind, retried = fakes.expected_outcome(faults, needed, max_retries)
    client = _client(ctx, handler, asynchronous=asynchronous, max_retries=max_retries)
    outcome: Exception | None = None
    try:
        if op.pagination is not None:
            _iterate(op, client, _kwargs(op, args, body), got, asynchronous)
        else:
            call = getattr(client, op.method_name)
            result = call(**_kwargs(op, args, body))
            if asynchronous:
                result = asyncio.run(result)
            got.append(result)
    except ctx.errors.APIError as exc:
        outcome = exc
    note(f"outcome: {outcome!r}; sleeps: {client.sleeps}")
    if kind is None:
        assert outcome is None
        _same_items(expected, got)
    else:
        assert type(outcome) is _error_class(ctx, kind)
        if op.pagination is not None:
            _same_items([item for page in server.pages[:served] for item in page], got)
    assert len(client.sleeps) == len(retried)
    for fault, seconds in zip(retried, client.sleeps, strict=True):
        after = fault[2] if fault[0] == "status" else None
        if after is not None and after.isdigit() and int(after) <= 60:
            assert seconds == float(after)
        else:
            assert 0 <= seconds <= 60


# -- 5. requests -------------------------------------------------------------------------------

_DELIMITERS = {"form": ",", "spaceDelimited": " ", "pipeDelimited": "|"}


def _coerce(text: str, schema: Any) -> Any:
    kinds = schema_types(schema)
    if "integer" in kinds and re.fullmatch(r"-?[0-9]+", text):
        return int(text)
    if "number" in kinds:
        try:
            return float(text)
        except ValueError:
            pass
    if "boolean" in kinds and text in ("true", "false"):
        return text == "true"
    return text


def _decode_param(p: Any, schema: Any, values: list[str]) -> Any:
    kinds = schema_types(schema)
    if "array" in kinds:
        raw = values if p.explode else values[0].split(_DELIMITERS.get(p.style, ","))
        assert p.explode or len(values) == 1, values
        return [_coerce(v, schema.get("items", {})) for v in raw]
    assert len(values) == 1, f"{p.name} sent {len(values)} times"
    return _coerce(values[0], schema)


def _check_request(
    ctx: Case, op: Any, request: httpx.Request, args: dict[str, Any], body: Any
) -> None:
    """The request validates against ``op``'s parameters and body and carries the arguments."""
    assert request.method == op.http_method
    schemas = ctx.param_schemas(op)
    raw_path = request.url.raw_path.decode().split("?")[0]
    template = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(op.path))  # path values: any segment
    assert re.fullmatch(template, raw_path), (raw_path, op.path)
    pairs = parse_qsl(request.url.query.decode(), keep_blank_values=True)
    declared = {p.name for p in op.parameters if p.location == "query"}
    assert {k for k, _ in pairs} <= declared, f"undeclared query parameters in {pairs}"
    for p in op.parameters:
        given = args.get(p.python_name)
        schema = schemas[p.name]["schema"]
        if p.location == "query":
            values = [v for k, v in pairs if k == p.name]
        elif p.location == "header":
            values = [request.headers[p.name]] if p.name in request.headers else []
        else:
            continue
        if given is None:
            assert not values, f"{p.name} sent though not given"
            continue
        if "object" in schema_types(schema):
            continue
        decoded = _decode_param(p, schema, values)
        note(f"{p.name} sent as {values!r}, read back as {decoded!r}")
        errors = [e.message for e in validator(schema).iter_errors(decoded)]
        assert not errors, f"{p.name}: {errors}"
        delimiter = _DELIMITERS.get(p.style, ",")
        ambiguous = isinstance(given, list) and any(delimiter in str(v) for v in given)
        if not ambiguous:
            found = difference(dump(given), decoded)
            assert found is None, f"{p.name}: {found}"
    if op.body is None or body is None:
        assert not request.content
        return
    assert request.headers["content-type"].split(";")[0] == op.body.media_type
    sent = json.loads(request.content)
    errors = [e.message for e in validator(ctx.body_schema(op)).iter_errors(sent)]
    assert not errors, f"body: {errors}"
    found = difference(dump(body), sent)
    assert found is None, f"body: {found}"


def _capture(request: httpx.Request) -> httpx.Response:
    raise Sent(request)


def _send(ctx: Case, op: Any, args: dict[str, Any], body: Any) -> httpx.Request | None:
    handler = fakes.FaultyServer(_capture)
    client = _client(ctx, handler)
    with contextlib.suppress(Sent):
        getattr(client, op.method_name)(**_kwargs(op, args, body))
    assert len(handler.requests) <= 1
    return handler.requests[0] if handler.requests else None


@pytest.mark.parametrize(("key", "operation_id"), OPERATION_CASES)
@settings(max_examples=50, deadline=None, suppress_health_check=SLOW)
@given(data=st.data())
def test_valid_arguments_make_a_valid_request(key: str, operation_id: str, data: Any) -> None:
    _check_case(data, key, operation_id)
    ctx = load_case(key)
    op = ctx.operation(operation_id)
    args = _draw_args(data, ctx, op, optional=True)
    body = None
    if op.body is not None and (op.body.required or data.draw(st.booleans(), label="give body")):
        body = data.draw(instances(_declared(ctx.body_schema(op))), label="body")
    request = _send(ctx, op, args, body)
    assert request is not None
    note(f"sent: {request.method} {request.url} {request.content!r}")
    _check_request(ctx, op, request, args, body)


def _violations(schema: Any) -> list[tuple[str, st.SearchStrategy[Any]]]:
    """(what, invalid values) for the constraints of a scalar or array schema."""
    if not isinstance(schema, dict):
        return []
    kinds = schema_types(schema)
    out: list[tuple[str, st.SearchStrategy[Any]]] = []
    if kinds & {"integer", "number"}:
        if isinstance(schema.get("minimum"), int | float):
            out.append(("below minimum", st.integers(max_value=math.ceil(schema["minimum"]) - 1)))
        if isinstance(schema.get("maximum"), int | float):
            out.append(("above maximum", st.integers(min_value=math.floor(schema["maximum"]) + 1)))
        if isinstance(schema.get("exclusiveMinimum"), int | float):
            out.append(
                (
                    "not above exclusiveMinimum",
                    st.integers(max_value=math.floor(schema["exclusiveMinimum"])),
                )
            )
        if isinstance(schema.get("exclusiveMaximum"), int | float):
            out.append(
                (
                    "not below exclusiveMaximum",
                    st.integers(min_value=math.ceil(schema["exclusiveMaximum"])),
                )
            )
        out.append(("not a number", st.sampled_from(["many", "", "1O"])))
    if "string" in kinds:
        if isinstance(schema.get("maxLength"), int):
            n = schema["maxLength"]
            out.append(("longer than maxLength", st.text(min_size=n + 1, max_size=n + 4)))
        if schema.get("minLength", 0) > 0:
            out.append(("shorter than minLength", st.text(max_size=schema["minLength"] - 1)))
        if isinstance(schema.get("pattern"), str):
            rx = re.compile(schema["pattern"])
            out.append(
                ("not matching pattern", st.text(max_size=12).filter(lambda s: not rx.search(s)))
            )
        if "null" not in kinds and schema.get("format") not in ("date-time", "date"):
            # (pydantic reads a number as a Unix time for dates: a coercion, not a violation)
            out.append(("not a string", st.integers()))
    enum = schema.get("enum")
    if isinstance(enum, list) and enum and all(isinstance(e, str) for e in enum if e is not None):
        out.append(("not in enum", st.text(max_size=12).filter(lambda s: s not in enum)))
    if "array" in kinds:
        if schema.get("minItems", 0) > 0:
            out.append(("fewer than minItems", st.just([])))
        for what, strategy in _violations(schema.get("items")):
            out.append((f"item {what}", strategy.map(lambda v: [v])))
    if "boolean" in kinds:
        out.append(("not a boolean", st.sampled_from(["maybe", "2"])))
    return out


def _body_members(schema: Any) -> list[Any]:
    for key in ("oneOf", "anyOf"):
        if isinstance(schema, dict) and key in schema:
            return [m for member in schema[key] for m in _body_members(member)]
    return [schema]


def _mutations(ctx: Case, op: Any) -> list[tuple[str, Any, st.SearchStrategy[Any]]]:
    """(kind, target, invalid values) for every way the spec lets arguments be wrong."""
    schemas = ctx.param_schemas(op)
    out: list[tuple[str, Any, st.SearchStrategy[Any]]] = []
    for p in op.parameters:
        if p.required:
            out.append(("param", p.python_name, st.none()))
        for what, strategy in _violations(schemas[p.name]["schema"]):
            out.append(("param", p.python_name, strategy.map(lambda v, what=what: v)))
    for group in op.require_any_of:
        out.append(("group", group, st.none()))
    if op.body is not None:
        if op.body.required:
            out.append(("body", None, st.none()))
        seen = set()
        for member in _body_members(ctx.body_schema(op)):
            for name, prop in properties_of(member).items():
                for what, strategy in _violations(prop):
                    if (name, what) not in seen:
                        seen.add((name, what))
                        out.append(("body-field", name, strategy))
    return out


def _spec_accepts(ctx: Case, op: Any, args: dict[str, Any], body: Any) -> bool:
    schemas = ctx.param_schemas(op)
    for p in op.parameters:
        value = args.get(p.python_name)
        if value is None:
            if p.required:
                return False
            continue
        if not validator(schemas[p.name]["schema"]).is_valid(value):
            return False
    if any(all(args.get(n) is None for n in group) for group in op.require_any_of):
        return False
    if op.body is not None:
        if body is None:
            return not op.body.required
        # Closed objects read as open: that the client does not enforce additionalProperties:
        # false is test_unknown_field_in_closed_body_is_refused's (known) bug, not this test's.
        return validator(_opened(ctx.body_schema(op))).is_valid(body)
    return True


def _declared(schema: Any) -> Any:
    """``schema`` for drawing bodies a caller writes as data: objects hold only the keys they
    declare (a dict body with any other key is refused before sending, by design)."""
    if isinstance(schema, list):
        return [_declared(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    result = {k: _declared(v) for k, v in schema.items()}
    if "properties" in result and "additionalProperties" not in result:
        result["additionalProperties"] = False
    return result


def _opened(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_opened(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    return {
        k: _opened(v) for k, v in schema.items() if not (k == "additionalProperties" and v is False)
    }


MUTATION_CASES = [
    case
    for case in OPERATION_CASES
    if _mutations(load_case(case.values[0]), load_case(case.values[0]).operation(case.values[1]))
]


@pytest.mark.parametrize(("key", "operation_id"), MUTATION_CASES)
@settings(max_examples=50, deadline=None, suppress_health_check=SLOW)
@given(data=st.data())
def test_invalid_arguments_are_refused_before_sending(
    key: str, operation_id: str, data: Any
) -> None:
    _check_case(data, key, operation_id)
    ctx = load_case(key)
    op = ctx.operation(operation_id)
    args = _draw_args(data, ctx, op, optional=True)
    body = data.draw(instances(_declared(ctx.body_schema(op))), label="body") if op.body else None
    kind, target, strategy = data.draw(
        st.sampled_from(_mutations(ctx, op)), label="mutation (kind, target, values)"
    )
    value = data.draw(strategy, label=f"invalid {target}")
    if kind == "param":
        args[target] = value
    elif kind == "group":
        args.update(dict.fromkeys(target))
    elif kind == "body":
        body = None
    else:
        assume(isinstance(body, dict))
        body = {**body, target: value}
    assume(not _spec_accepts(ctx, op, args, body))
    with pytest.raises(ctx.errors.RequestValidationError):
        request = _send(ctx, op, args, body)
        sent = (request.url, request.content) if request else None
        note(f"sent anyway: {sent!r}")


CLOSED_BODY_CASES = [
    pytest.param(*case.values, id=case.id)
    for case in OPERATION_CASES
    if (op := load_case(case.values[0]).operation(case.values[1])).body is not None
    and any(closed(m) for m in _body_members(load_case(case.values[0]).body_schema(op)))
]


@pytest.mark.parametrize(("key", "operation_id"), CLOSED_BODY_CASES)
@settings(max_examples=10, deadline=None, suppress_health_check=SLOW)
@given(data=st.data())
@example(data=Fixed(("onepassword-events", "getSignInAttempts"), {}, "zzz", 0))
def test_unknown_field_in_closed_body_is_refused(key: str, operation_id: str, data: Any) -> None:
    """Minimal reproduction: ``OnePasswordEvents().get_sign_in_attempts(body={"zzz": 0})`` sends
    ``{"zzz":0}``, which matches neither ``Cursor`` (no ``cursor``) nor ``ResetCursor``
    (``additionalProperties: false``)."""
    _check_case(data, key, operation_id)
    ctx = load_case(key)
    op = ctx.operation(operation_id)
    member = next(m for m in _body_members(ctx.body_schema(op)) if closed(m))
    body = data.draw(instances(member), label="body")
    name = data.draw(
        st.text(min_size=1, max_size=8).filter(lambda k: k not in properties_of(member)),
        label="unknown field",
    )
    value = data.draw(st.integers(), label="value")
    body = {**body, name: value}
    assume(not validator(ctx.body_schema(op)).is_valid(body))
    with pytest.raises(ctx.errors.RequestValidationError):
        _send(ctx, op, {}, body)
