"""openapi-spec-validator's schema checks, with patterns read by the generated code's engine.

The validator checks ``pattern`` values (format ``regex``) and matches ``default`` values
against them with Python's ``re``, which refuses ``\\p{L}`` that pydantic accepts and crashes on
a pattern it cannot compile. Here the ``regex`` format is not checked (``patterns`` warns about
and drops a pattern the engine refuses, when generating) and values are matched by that engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any

from jsonschema import FormatChecker, ValidationError
from jsonschema.validators import extend
from jsonschema_path.paths import SchemaPath
from openapi_schema_validator import (
    OAS30Validator,
    OAS31Validator,
    OAS32Validator,
    oas30_format_checker,
    oas31_format_checker,
    oas32_format_checker,
)
from openapi_spec_validator.validation import keywords
from openapi_spec_validator.validation.keywords import KeywordValidator

from generator.patterns import matches


def _without_regex(checker: FormatChecker) -> FormatChecker:
    lenient = FormatChecker(formats=())
    lenient.checkers = {k: v for k, v in checker.checkers.items() if k != "regex"}
    return lenient


def _pattern(
    validator: Any, pattern: str, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    """The ``pattern`` keyword, matched by the generated code's engine (or unchecked, if the
    engine refuses the pattern)."""
    if isinstance(instance, str) and matches(pattern, instance) is False:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_FORMATS_30 = _without_regex(oas30_format_checker)
_FORMATS_31 = _without_regex(oas31_format_checker)
_FORMATS_32 = _without_regex(oas32_format_checker)
_Values30: Any = extend(OAS30Validator, {"pattern": _pattern})  # type: ignore[no-untyped-call]
_Values31: Any = extend(OAS31Validator, {"pattern": _pattern})  # type: ignore[no-untyped-call]
_Values32: Any = extend(OAS32Validator, {"pattern": _pattern})  # type: ignore[no-untyped-call]


class _ValueValidator30(keywords.OpenAPIV30ValueValidator):
    value_validator_cls = _Values30
    value_validator_format_checker = _FORMATS_30


class _ValueValidator31(keywords.OpenAPIV31ValueValidator):
    value_validator_cls = _Values31
    value_validator_format_checker = _FORMATS_31


class _ValueValidator32(keywords.OpenAPIV32ValueValidator):
    value_validator_cls = _Values32
    value_validator_format_checker = _FORMATS_32


class _SchemaValidator30(keywords.OpenAPIV30SchemaValidator):
    def _get_schema_checker(self, schema: SchemaPath, schema_value: Any) -> Callable[[Any], None]:
        return partial(OAS30Validator.check_schema, format_checker=_FORMATS_30)


class _SchemaValidator31(keywords.OpenAPIV31SchemaValidator):
    schema_validator_format_checker = _FORMATS_31


class _SchemaValidator32(keywords.OpenAPIV32SchemaValidator):
    schema_validator_format_checker = _FORMATS_32


_REPLACED: dict[str, dict[str, type[KeywordValidator]]] = {
    "3.0": {"default": _ValueValidator30, "schema": _SchemaValidator30},
    "3.1": {"default": _ValueValidator31, "schema": _SchemaValidator31},
    "3.2": {"default": _ValueValidator32, "schema": _SchemaValidator32},
}


def engine_patterns(
    base: Mapping[str, type[KeywordValidator]], version: str
) -> dict[str, type[KeywordValidator]]:
    """openapi-spec-validator's keyword validators ``base`` (of OpenAPI ``version``) with the
    ones checking schemas and values replaced by those above."""
    return {**base, **_REPLACED[version]}
