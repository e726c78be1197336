"""Descriptions of the API's operations: what the shared runtime needs to send and read them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from ._deferred import deferred

if TYPE_CHECKING:
    import pydantic
else:
    pydantic = deferred("pydantic", globals())

ResultT = TypeVar("ResultT")
ItemT = TypeVar("ItemT")

ResponseKind = Literal["json", "text", "binary", "empty", "jsonl", "events"]
BodyKind = Literal["json", "form", "multipart", "binary", "text", "jsonl"]


@dataclass(frozen=True)
class Later:
    """A type naming models, read when a call first needs it.

    The descriptors of an API grouped into resources write ``Later(lambda: models.Repository)``:
    its ``models`` is a package whose modules are imported name by name on first use, so
    importing a resource then imports none of them, and a call imports only the models it reads.
    """

    load: Callable[[], Any]


def resolved(type_: Any) -> Any:
    """``type_``, or the type a ``Later`` stands for."""
    return type_.load() if isinstance(type_, Later) else type_


@dataclass(frozen=True)
class ParamSpec:
    """One parameter: its wire name, where it goes, how it is serialized, what it accepts."""

    name: str
    python_name: str
    location: Literal["path", "query", "header", "cookie", "querystring"]
    style: str
    explode: bool
    required: bool
    type: Any
    allow_reserved: bool = False
    content_type: str | None = None  # described by ``content``: sent as this media type's text

    @cached_property
    def adapter(self) -> pydantic.TypeAdapter[Any]:
        return pydantic.TypeAdapter(resolved(self.type))


@dataclass(frozen=True)
class FieldSpec:
    """One field of a form body: a file (bytes, a binary file or an httpx file tuple), or a value
    checked against ``type``; ``many`` for an array (one part or pair per item)."""

    name: str
    type: Any = None
    required: bool = False
    file: bool = False
    many: bool = False
    style: str = "form"
    explode: bool = True
    content_type: str | None = None

    @cached_property
    def adapter(self) -> pydantic.TypeAdapter[Any]:
        return pydantic.TypeAdapter(resolved(self.type))


@dataclass(frozen=True)
class BodySpec:
    media_type: str
    type: Any
    required: bool
    kind: BodyKind = "json"
    fields: tuple[FieldSpec, ...] = ()

    @cached_property
    def adapter(self) -> pydantic.TypeAdapter[Any]:
        return pydantic.TypeAdapter(resolved(self.type))


@dataclass(frozen=True)
class ResponseSpec:
    kind: ResponseKind
    type: Any
    media_type: str | None = None

    @cached_property
    def adapter(self) -> pydantic.TypeAdapter[Any]:
        return pydantic.TypeAdapter(resolved(self.type))


@dataclass(frozen=True)
class PaginationSpec:
    """``x-pagination`` of an operation; pointers are into the raw response body."""

    style: Literal["offset", "cursor", "watermark", "page", "pageNumber", "link"]
    items: str
    item_type: Any
    position_param: str | None = None
    limit_param: str | None = None
    cursor_field: str | None = None
    total: str | None = None
    next_position: str | None = None
    has_more: str | None = None
    total_pages: str | None = None
    first_page: int = 1

    @cached_property
    def item_adapter(self) -> pydantic.TypeAdapter[list[Any]]:
        item = resolved(self.item_type)
        return pydantic.TypeAdapter(list[item])  # type: ignore[valid-type]


@dataclass(frozen=True)
class OperationSpec(Generic[ResultT]):
    """One operation; ``ResultT`` is what a successful call returns."""

    operation_id: str
    method: str
    path: str
    idempotent: bool = False  # retried by default (an idempotent method, or ``x-idempotent``)
    params: tuple[ParamSpec, ...] = ()
    body: BodySpec | None = None
    responses: dict[str, ResponseSpec] = field(default_factory=dict)
    accept: str = "application/json"
    require_any_of: tuple[tuple[str, ...], ...] = ()
    pagination: PaginationSpec | None = None
    default_success: bool = False  # ``default`` is the only response, so also the success one

    def response_for(self, status_code: int) -> ResponseSpec | None:
        """The declared response for a status: exact, then ``4XX``-style range, then default
        (for a success status only when ``default`` is the success response too)."""
        found = self.responses.get(str(status_code)) or self.responses.get(
            f"{status_code // 100}XX"
        )
        if found is None and (status_code >= 400 or self.default_success):
            found = self.responses.get("default")
        return found
