"""Date-times that keep their exact text, and refuse to be sent without a timezone.

``DateTime`` is ``datetime.datetime`` for type checkers. For pydantic it reads like a datetime,
but a value read from RFC 3339 text is a ``Timestamp`` (a ``datetime`` subclass) that remembers
the text: a datetime holds microseconds, while servers send up to nanoseconds, so writing the
value back (``model_dump(mode="json")``) gives the text exactly as it was read, not a truncated
copy.

While a request is built (validation or serialization with ``REQUEST_CONTEXT``), a date-time
without a UTC offset is refused: RFC 3339 requires one, and a server would have to guess the
timezone. Responses stay lenient: a server's naive timestamp is read as a naive datetime.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import IO, TYPE_CHECKING, Annotated, Any, SupportsIndex, TypeAlias

from ._deferred import deferred

if TYPE_CHECKING:
    import pydantic_core
    from pydantic import GetCoreSchemaHandler
    from pydantic_core import core_schema
else:
    pydantic_core = deferred("pydantic_core", globals())

__all__ = ["NAIVE_DATETIME", "REQUEST_CONTEXT", "DateTime", "FileContent", "Timestamp"]

# The context the client validates and serializes arguments with; nothing else sets this key.
REQUEST_CONTEXT: Mapping[str, str] = {"specgen": "request"}
NAIVE_DATETIME = (
    "a date-time without a timezone is ambiguous: pass a timezone-aware datetime "
    "(e.g. datetime(2024, 1, 1, tzinfo=timezone.utc)) or a string with an offset "
    "('Z' or '+01:00')"
)
# The text worth keeping: RFC 3339 date-times, any number of fractional digits; the offset is
# optional so that a server's naive timestamp (read leniently) round-trips too.
_RFC3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)?")


class Timestamp(dt.datetime):
    """A datetime read from text; ``text`` is that text, written back unchanged in JSON.

    Arithmetic and ``replace`` give a new value without text, serialized from its fields.
    """

    text: str | None = None

    @classmethod
    def from_text(cls, value: dt.datetime, text: str) -> Timestamp:
        stamp = cls.combine(value.date(), value.timetz())
        stamp.text = text
        return stamp

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, ...]:
        # datetime pickles (and copies) its fields only; keep the text too.
        return (_restore, (dt.datetime.combine(self.date(), self.timetz()), self.text))


def _restore(value: dt.datetime, text: str | None) -> dt.datetime:
    return value if text is None else Timestamp.from_text(value, text)


def _sending(context: Any) -> bool:
    return isinstance(context, Mapping) and context.get("specgen") == REQUEST_CONTEXT["specgen"]


def _validate(
    value: Any, handler: core_schema.ValidatorFunctionWrapHandler, info: core_schema.ValidationInfo
) -> dt.datetime:
    if isinstance(value, Timestamp):
        result: dt.datetime = value
    else:
        result = handler(value)
        if isinstance(value, str) and _RFC3339.fullmatch(value):
            result = Timestamp.from_text(result, value)
    if result.utcoffset() is None and _sending(info.context):
        raise pydantic_core.PydanticCustomError("naive_datetime", NAIVE_DATETIME)
    return result


def _serialize(
    value: Any,
    handler: core_schema.SerializerFunctionWrapHandler,
    info: core_schema.SerializationInfo,
) -> Any:
    if isinstance(value, dt.datetime):
        if value.utcoffset() is None and _sending(info.context):
            raise ValueError(NAIVE_DATETIME)  # a model built by hand, never validated for sending
        if isinstance(value, Timestamp) and value.text is not None and info.mode_is_json():
            return value.text
    return handler(value)


class _ExactText:
    """The pydantic half of ``DateTime``: datetime validation around the two rules above."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        schema = handler(source)
        return pydantic_core.core_schema.with_info_wrap_validator_function(
            _validate,
            schema,
            serialization=pydantic_core.core_schema.wrap_serializer_function_ser_schema(
                _serialize, info_arg=True, schema=schema
            ),
        )


DateTime: TypeAlias = Annotated[dt.datetime, _ExactText()]


FileContent: TypeAlias = (
    bytes
    | IO[bytes]
    | tuple[str | None, bytes | IO[bytes]]
    | tuple[str | None, bytes | IO[bytes], str | None]
)
"""A file to upload in a form, as httpx takes it: its bytes, a file opened in binary mode (named
after the file), or ``(filename, content, content_type)`` (the content type may be left out)."""
