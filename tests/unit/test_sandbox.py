"""The templates' sandbox (``render.Sandbox``) keeps Jinja's verdict on each attribute by the
object's type and the attribute's name: on any sequence of questions it answers what Jinja's
immutable sandbox answers."""

from __future__ import annotations

import collections
import inspect
import types
from collections.abc import Iterator
from typing import Any

import jinja2.sandbox
import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.ir import Api
from generator.render import Sandbox


def _function() -> None:
    return None


class _Holder:
    def method(self) -> None:
        return None


def _generator() -> Iterator[int]:
    yield 1


async def _coroutine() -> None:
    return None


async def _async_generator() -> Any:
    yield 1


def _objects() -> list[Any]:
    coroutine = _coroutine()
    coroutine.close()  # never awaited: asked about only
    return [
        _function,
        _Holder().method,
        _Holder,
        types.FrameType,
        inspect.currentframe(),
        _function.__code__,
        _generator(),
        coroutine,
        _async_generator(),
        [1],
        (1,),
        {"a": 1},
        {1},
        frozenset({1}),
        collections.deque([1]),
        collections.OrderedDict(a=1),
        "text",
        3,
        None,
        Api.__new__(Api),
    ]


# Names Jinja's checks single out, and ordinary ones.
NAMES = [
    "__globals__", "__code__", "__class__", "__init__", "__subclasses__", "func_code",
    "func_globals", "im_class", "im_func", "mro", "gi_frame", "gi_code", "cr_frame", "cr_code",
    "ag_frame", "ag_code", "f_globals", "tb_frame", "co_code", "append", "clear", "pop",
    "popleft", "update", "setdefault", "add", "discard", "insert", "extend", "remove", "sort",
    "reverse", "keys", "items", "get", "index", "count", "upper", "format", "name", "_private",
    "operations", "models",
]  # fmt: skip


@given(st.lists(st.tuples(st.integers(0, len(_objects()) - 1), st.sampled_from(NAMES))))
def test_the_verdicts_are_jinjas_whatever_the_order(questions: list[tuple[int, str]]) -> None:
    objects = _objects()
    ours, jinjas = Sandbox(), jinja2.sandbox.ImmutableSandboxedEnvironment()
    for index, name in questions:
        obj = objects[index]
        value = getattr(obj, name, None)
        assert ours.is_safe_attribute(obj, name, value) == jinjas.is_safe_attribute(
            obj, name, value
        ), (obj, name)


@pytest.mark.parametrize(
    ("obj", "name"),
    [([1], "append"), ({"a": 1}, "clear"), (_function, "__globals__"), (_Holder, "mro")],
)
def test_an_unsafe_attribute_stays_unsafe_once_known(obj: Any, name: str) -> None:
    sandbox = Sandbox()
    for _ in range(2):
        assert not sandbox.is_safe_attribute(obj, name, getattr(obj, name))


class _Proxy:
    """An object claiming another class (as mocks and proxies do)."""

    def __init__(self, claimed: type) -> None:
        self._claimed = claimed

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        return self._claimed


def test_a_proxy_is_checked_by_what_it_claims_each_time() -> None:
    sandbox = Sandbox()
    plain = _Proxy(object)
    assert sandbox.is_safe_attribute(plain, "append", None)
    as_list = _Proxy(list)
    assert not sandbox.is_safe_attribute(as_list, "append", None)  # not the verdict for _Proxy
    assert (
        jinja2.sandbox.ImmutableSandboxedEnvironment().is_safe_attribute(as_list, "append", None)
        is False
    )
