"""Validate an effective spec: OpenAPI structure, local references, and specgen's extensions.

Every problem is a diagnostic naming the file, a JSON pointer and, where the source document has
the node, a line; all of them are collected, not just the first. Only a document that is not
OpenAPI 3.0/3.1/3.2 at all is refused outright (an error); every other finding is repaired in a
copy (``repair.Repairs``) and reported as a warning, which ``--strict`` turns into an error.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema
import jsonschema_rs
from jsonschema.exceptions import relevance
from jsonschema_path import SchemaPath
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import (
    OpenAPIV30SpecValidator,
    OpenAPIV31SpecValidator,
    OpenAPIV32SpecValidator,
)
from openapi_spec_validator.schemas import schema_v30, schema_v31, schema_v32
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from openapi_spec_validator.validation.keywords import (
    ComponentsValidator,
    KeywordValidator,
    OpenAPIV30SchemaValidator,
    OperationValidator,
    PathsValidator,
    SchemaValidator,
    ValueValidator,
)
from openapi_spec_validator.validation.validators import SpecValidator

from generator.bundle import in_data
from generator.cache import active
from generator.errors import Diagnostic, Report
from generator.extensions import check_extensions
from generator.load import Document
from generator.patterns_validation import engine_patterns
from generator.rawspec import (
    MISSING,
    copy_tree,
    is_local_reference,
    iter_operations,
    iter_references,
    node_at,
    parse_pointer,
    reference_pointer,
    resolve_pointer,
    to_pointer,
)
from generator.repair import Repairs, physical_pointer, quoted
from generator.schemas import COMPONENT_NAME

SUPPORTED_VERSIONS = ("3.0.", "3.1.", "3.2.")
# Each pass repairs what the validator found; a repair can uncover more (a removed component
# leaves references to it dangling), so a few passes may be needed, never many.
MAX_PASSES = 8
_MESSAGE_LIMIT = 240


@dataclass(frozen=True)
class Checked:
    """The result of checking a spec: the repaired copy generation reads (None if unusable)."""

    spec: dict[str, Any] | None
    operations_removed: int = 0  # operations left out by a repair (each one is a warning)


def validate_spec(spec: Any, source: Document) -> list[Diagnostic]:
    """Every problem in ``spec`` (the effective spec built from ``source``), with severities."""
    report = Report(source.name, source.line_of)
    check_spec(spec, report)
    return report.diagnostics


def check_spec(spec: Any, report: Report) -> Checked:
    """Validate ``spec``, repair what is local, and report both; see the module docstring."""
    refusal = unusable(spec)
    if refusal is not None:
        report.error(*refusal)
        return Checked(None)
    version = str(spec["openapi"])
    repairs = Repairs(copy_tree(dict(spec)), report)
    repairs.normalise()
    for _ in range(MAX_PASSES):
        if report.errors or not _repair_pass(repairs, version):
            break
    else:
        report.error("", f"the spec is still invalid after {MAX_PASSES} rounds of repairs")
    if report.errors:
        return Checked(None)
    for pointer, message in _operation_id_problems(repairs.spec):
        report.warn(pointer, message)  # names are made unique when the client is built
    for pointer, message in check_extensions(repairs.spec):
        if not repairs.extension(pointer, message):
            report.error(pointer, message)
    return Checked(None if report.errors else repairs.spec, repairs.operations_removed)


# A spec at least this large is validated in a child process while generation goes on (see
# ``check_spec_speculatively``); below it a process costs more than it saves.
SPECULATE_MIN_PATHS = 100


@dataclass
class Speculation:
    """A check whose validator pass may still be running in a child process.

    ``checked`` is the result that holds when the validator finds nothing to repair (the usual
    case for a published spec) and ``report`` what that check reported; ``confirm`` waits for the
    validator and says whether they stand. ``report`` goes on collecting what the caller's later
    stages report; ``diagnostics`` are the check's own.
    """

    checked: Checked
    report: Report
    from_cache: bool = False  # read back from specgen's cache: confirmed before, stored already
    _child: Any = None  # (process, connection) while the validator runs

    def __post_init__(self) -> None:
        self._made = len(self.report.diagnostics)  # the check's, before later stages report
        self._late: list[Diagnostic] = []  # the check's own, reported when it was confirmed

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """What the check itself reported (not the stages run since)."""
        return [*self.report.diagnostics[: self._made], *self._late]

    def confirm(self) -> bool:
        """True when ``checked`` stands; False when the validator found something to repair:
        then ``check_spec`` must be run again, in order (``report`` is then worthless)."""
        if self._child is None:
            return True
        process, connection = self._child
        self._child = None
        try:
            found, crash = connection.recv()
        except (EOFError, OSError):  # the child died: check again here, where errors show
            return False
        finally:
            connection.close()
            process.join()
        if found:
            return False
        if crash is not None:
            self.report.warn(
                "", f"OpenAPI validation could not complete ({crash}): read without it"
            )
            self._late.append(self.report.diagnostics[-1])
        return True


def check_spec_speculatively(spec: Any, report: Report) -> Speculation:
    """``check_spec`` for a large spec, its validator pass (seconds on a large spec) run in a
    child process while the caller builds and renders with the result that holds if it finds
    nothing. Diagnostics go to the speculation's own report; the caller merges them once
    ``confirm`` says they stand. Small specs, and systems without ``fork``, are checked here."""
    scratch = Report(report.file, report.line_of)
    if not _worth_a_process(spec):
        return Speculation(check_spec(spec, scratch), scratch)
    version = str(spec["openapi"])
    repairs = Repairs(copy_tree(dict(spec)), scratch)
    repairs.normalise()
    if scratch.errors or next(iter(_reference_problems(repairs.spec)), None) is not None:
        scratch = Report(report.file, report.line_of)  # repairs needed: the ordinary way
        return Speculation(check_spec(spec, scratch), scratch)
    import multiprocessing

    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_validate_in_child, args=(sender, repairs.spec, version))
    process.start()
    sender.close()
    for pointer, message in _operation_id_problems(repairs.spec):
        scratch.warn(pointer, message)
    for pointer, message in check_extensions(repairs.spec):
        if not repairs.extension(pointer, message):
            scratch.error(pointer, message)
    checked = Checked(None if scratch.errors else repairs.spec, repairs.operations_removed)
    return Speculation(checked, scratch, _child=(process, receiver))


def _worth_a_process(spec: Any) -> bool:
    import multiprocessing

    if unusable(spec) is not None or "fork" not in multiprocessing.get_all_start_methods():
        return False
    paths = spec.get("paths")
    return isinstance(paths, Mapping) and len(paths) >= SPECULATE_MIN_PATHS


def _validate_in_child(connection: Any, spec: Mapping[str, Any], version: str) -> None:
    """In the child: whether the validator finds anything, and why it crashed if it did."""
    try:
        errors, crash = _validator_errors(spec, version)
        connection.send((bool(errors), crash))
    except BaseException:  # the parent checks again itself and reports properly
        connection.send((True, None))
    finally:
        connection.close()


def unusable(spec: Any) -> tuple[str, str] | None:
    """Why ``spec`` cannot be read as OpenAPI at all, as ``(pointer, message)``, or None."""
    if not isinstance(spec, Mapping):
        return "", "an OpenAPI document must be a mapping"
    if "swagger" in spec and "openapi" not in spec:
        return "/swagger", f"this is a Swagger {quoted(spec['swagger'])} document: {_CONVERT}"
    version = spec.get("openapi")
    if not isinstance(version, str) or not version.startswith(SUPPORTED_VERSIONS):
        hint = f": {_CONVERT}" if str(version).startswith("2") else ""
        return (
            "/openapi",
            f"unsupported OpenAPI version {quoted(version)} (3.0.x, 3.1.x or 3.2.x){hint}",
        )
    return None


_CONVERT = (
    "specgen reads OpenAPI 3.0, 3.1 and 3.2; convert Swagger 2.0 first, e.g. with "
    "swagger2openapi (npx swagger2openapi swagger.yaml --outfile openapi.yaml) "
    "or the converter at converter.swagger.io"
)


def _repair_pass(repairs: Repairs, version: str) -> bool:
    """One round: find problems and repair them; False when there was nothing (more) to do."""
    report = repairs.report
    references = list(_reference_problems(repairs.spec))
    for where, message in references:  # first: the validator cannot run over these
        holder = to_pointer(parse_pointer(where)[:-1])
        if node_at(repairs.spec, holder) is not MISSING and not repairs.reference(where, message):
            report.error(where, message)
    if references:
        return True
    errors, crash = _validator_errors(repairs.spec, version)
    if not errors:
        if crash is not None:
            report.warn("", f"OpenAPI validation could not complete ({crash}): read without it")
        return False
    changed = False
    for error in errors:
        changed = _repair(repairs, error, version) or changed
    return changed


def _validator_errors(
    spec: Mapping[str, Any], version: str
) -> tuple[list[jsonschema.ValidationError], str | None]:
    """openapi-spec-validator's findings and, if it crashed on the input, why (shortened)."""
    validator_class = {
        "3.0.": _Spec30Validator,
        "3.1.": _Spec31Validator,
        "3.2.": _Spec32Validator,
    }[version[:4]]
    errors: list[jsonschema.ValidationError] = []
    cache = active()
    units = _units(spec) if cache.root is not None else {}
    clean = frozenset(name for name, key in units.items() if cache.get("valid-part", key) == b"ok")
    skipping = _SKIPPED.set(clean)
    try:
        for error in _iter_errors(validator_class(spec), clean):
            if "is not unique" in error.message:  # operationIds: checked here, with pointers
                continue
            if error.validator == "format" and error.validator_value == "regex":
                # Checked with Python's re, while the generated models compile patterns with
                # pydantic's engine (which reads \p{L}): the models stage decides.
                continue
            errors.append(error)
    except RecursionError:
        raise
    except Exception as exc:  # the validator itself failed on this input
        return errors, shorten(f"{type(exc).__name__}: {exc}")
    finally:
        _SKIPPED.reset(skipping)
    if not errors:  # every part is clean in this context: the next run may skip it
        for name, key in units.items():
            if name not in clean:
                cache.put("valid-part", key, b"ok")
    return errors, None


def _iter_errors(
    validator: SpecValidator, clean: frozenset[str]
) -> Iterator[jsonschema.ValidationError]:
    """The library's ``iter_errors``, its JSON Schema phase (the OpenAPI schema, seconds on a
    large spec) without the ``clean`` parts (``_units``).

    Those parts are validated as empty path items or components, which are valid: a part's
    errors under that schema come from the part alone (its siblings are checked by their names
    only), and a clean part had none. An error at the top or in ``paths`` or ``components``
    themselves may quote the node that holds the parts (its ``instance``): then the phase runs
    again over the spec as it is, so the errors are exactly those of a whole validation.
    """
    schema_validator = validator.schema_validator
    if _valid_at_once(type(validator), validator.schema):
        found: list[jsonschema.ValidationError] = []
    elif not clean:
        found = list(schema_validator.iter_errors(validator.schema))
    else:
        found = list(schema_validator.iter_errors(_without(validator.schema, clean)))
        if any(len(error.absolute_path) <= 1 for error in found):
            found = list(schema_validator.iter_errors(validator.schema))
    # Chained, not unpacked into a list: the library's own checks may crash on a part the
    # schema phase found wrong (a parameter without ``in``), and the errors found before the
    # crash must reach the caller first, as the library's ``iter_errors`` yields them.
    for error in itertools.chain(found, validator.root_validator(validator.schema_path)):
        if not isinstance(error, OpenAPIValidationError):  # as the library's iter_errors does
            error = OpenAPIValidationError.create_from(error)
        yield error


def _valid_at_once(validator_class: type[SpecValidator], spec: Mapping[str, Any]) -> bool:
    """Whether jsonschema-rs finds ``spec`` valid under the OpenAPI schema of
    ``validator_class``: then its schema phase has no errors to find. It takes milliseconds
    where jsonschema takes seconds (GitHub's 13 MB spec: 12 ms against about 4 s), but its
    errors do not say what the messages are made of (which branch of a oneOf failed, and why),
    so a spec it finds wrong is validated by jsonschema. ``tests/unit/test_validation_at_once.py``
    checks that the two agree."""
    return _quickly_valid(validator_class, lambda: validator_class.schema_validator.schema, spec)


def _quickly_valid(key: object, schema: Callable[[], Any], value: Any) -> bool:
    """Whether jsonschema-rs finds ``value`` valid under ``schema()`` (its validator made once
    per ``key``), formats not asserted (jsonschema is given none that applies there either);
    False for a value it cannot read (a set, a key that is not a string)."""
    validator = _QUICK.get(key)
    if validator is None:
        validator = jsonschema_rs.validator_for(
            dict(schema()), validate_formats=False, offline=True
        )
        _QUICK[key] = validator
    try:
        return bool(validator.is_valid(value))
    except (ValueError, TypeError, OverflowError, RecursionError):
        return False


_QUICK: dict[object, Any] = {}  # jsonschema-rs's validators, by what they check


def _without(spec: Mapping[str, Any], clean: frozenset[str]) -> dict[str, Any]:
    """``spec`` with its ``clean`` path items (by URL) and components (``_COMPONENTS``) empty."""
    copy = dict(spec)
    paths = spec.get("paths")
    if isinstance(paths, Mapping):
        copy["paths"] = {
            url: {} if isinstance(url, str) and url in clean else item
            for url, item in paths.items()
        }
    if _COMPONENTS in clean and isinstance(spec.get(_COMPONENTS), Mapping):
        copy[_COMPONENTS] = {}
    return copy


def _repair(repairs: Repairs, error: jsonschema.ValidationError, version: str) -> bool:
    """Repair the cause of ``error`` (unrepairable: an error in the report).

    True when the spec should be validated again: a repair can uncover a problem the first
    one hid. Dropping a default that does not fit cannot, so a spec whose only slips are such
    defaults is validated once (on a large spec a pass costs seconds).
    """
    spec, report = repairs.spec, repairs.report
    schema_parts = getattr(error, "specgen_default_of", None)
    cause = real_cause(error)
    message = shorten(cause.message)
    if schema_parts is not None:  # a default that does not fit its schema
        pointer = physical_pointer(spec, schema_parts)
        if pointer is None:
            return False
        was_date = isinstance(node_at(spec, f"{pointer}/default"), dt.date)
        return repairs.default(pointer, message) and was_date  # a date became text: recheck
    pointer = physical_pointer(spec, cause.absolute_path)
    if pointer is None:
        return False  # inside something an earlier repair removed
    keys = _unexpected_keys(cause)
    if keys and repairs.unknown_keys(pointer, keys, version):
        return True
    if repairs.description(pointer, message):
        return False
    if repairs.path_parameter(pointer) or repairs.schema(pointer, message):
        return True
    if repairs.degrade(pointer, message):
        return True
    report.error(pointer, message)
    return False


def shorten(message: str) -> str:
    """``message`` cut in the middle when long: validator messages quote whole nodes."""
    message = " ".join(message.split())
    if len(message) <= _MESSAGE_LIMIT:
        return message
    half = _MESSAGE_LIMIT // 2 - 3
    return f"{message[:half]} ... {message[-half:]}"


def _unexpected_keys(error: jsonschema.ValidationError) -> list[str]:
    """The keys an ``additionalProperties``/``unevaluatedProperties`` error names."""
    if error.validator not in ("additionalProperties", "unevaluatedProperties"):
        return []
    if not isinstance(error.instance, Mapping):
        return []
    return [k for k in error.instance if isinstance(k, str) and repr(k) in error.message]


def real_cause(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """The error inside ``error`` that names the real place and cause.

    The OpenAPI schemas say "a Reference or an X" (``oneOf``) almost everywhere, and
    ``best_match`` then often blames the Reference branch: "'$ref' is a required property" for
    a node that has no ``$ref`` at all. Here a branch is dropped when it wants a ``$ref`` the
    node lacks, or when it fails on a fixed value (``in: path`` against the query parameter
    branch); of what is left, the branch with the fewest errors is followed, to its deepest one.
    """
    while error.context:
        branches: dict[Any, list[jsonschema.ValidationError]] = {}
        for sub in error.context:
            branch = sub.relative_schema_path[0] if sub.relative_schema_path else None
            branches.setdefault(branch, []).append(sub)
        candidates = list(branches.values())
        has_ref = isinstance(error.instance, Mapping) and "$ref" in error.instance
        if has_ref:  # a reference that is wrong: what is wrong with it
            candidates = [b for b in candidates if any(map(_about_reference, b))] or candidates
        else:
            candidates = [
                b for b in candidates if not all(map(_asks_for_reference, b))
            ] or candidates
        candidates = [b for b in candidates if not any(map(_wrong_branch, b))] or candidates
        fewest = min(candidates, key=lambda branch: len(branch))
        error = min(fewest, key=relevance)
    return error


def _about_reference(error: jsonschema.ValidationError) -> bool:
    return list(error.path)[:1] == ["$ref"]


def _asks_for_reference(error: jsonschema.ValidationError) -> bool:
    wanted = error.validator_value
    return error.validator == "required" and isinstance(wanted, list) and "$ref" in wanted


def _wrong_branch(error: jsonschema.ValidationError) -> bool:
    """An error showing its ``oneOf`` branch describes another kind of node altogether."""
    fixed_value = error.validator in ("enum", "const") and len(error.path) == 1
    other_type = error.validator == "type" and len(error.path) == 0
    return fixed_value or other_type


_TEMPLATE = re.compile(r"\{([^{}]*)\}")


class _OperationValidator(OperationValidator):
    """Path template names read as OpenAPI writes them, not as Python format fields.

    The library parses templates with ``string.Formatter``, which crashes on names such as
    ``{filter[name}`` and cuts ``{a:b}`` or ``{a!b}`` short.
    """

    def _get_path_params_from_url(self, url: str) -> Iterator[str]:
        return iter(_TEMPLATE.findall(url))


def _located(cls: type[KeywordValidator]) -> type[KeywordValidator]:
    """``cls`` whose errors carry the path of the node it checked.

    The library's own checks (a default against its schema, path parameters, duplicates...)
    report with an empty path; prefixing the node's path gives them a pointer and a line.
    """
    original: Callable[..., Iterator[jsonschema.ValidationError]] = cls.__call__

    def call(self: Any, *args: Any, **kwargs: Any) -> Iterator[jsonschema.ValidationError]:
        node = next((a for a in args if isinstance(a, SchemaPath)), None)
        for error in original(self, *args, **kwargs):
            if not isinstance(error, OpenAPIValidationError):  # as the library wraps it later
                error = OpenAPIValidationError.create_from(error)
            if node is not None and not getattr(error, "specgen_located", False):
                error.specgen_located = True  # type: ignore[attr-defined]
                prefix = list(node.parts)
                if isinstance(self, ValueValidator):  # errors are inside the default value
                    error.specgen_default_of = tuple(prefix)  # type: ignore[attr-defined]
                    prefix.append("default")
                error.path.extendleft(reversed(prefix))
            yield error

    return type(cls.__name__, (cls,), {"__call__": call})


# Parts of the spec the validator's own checks (the second phase, after the JSON Schema of
# OpenAPI itself) may skip: a previous run found exactly these parts, in exactly this context,
# clean (see ``_clean_units``). Path items by URL; "components" for the whole section.
_SKIPPED: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar(
    "specgen_validation_skipped", default=frozenset()
)
_COMPONENTS = "components"


class _PathsValidator(PathsValidator):
    def __call__(self, paths: SchemaPath) -> Iterator[jsonschema.ValidationError]:
        skipped = _SKIPPED.get()
        for url, path_item in paths.items():
            if url not in skipped:
                yield from self.path_validator(str(url), path_item)


class _ComponentsValidator(ComponentsValidator):
    def __call__(self, components: SchemaPath) -> Iterator[jsonschema.ValidationError]:
        if _COMPONENTS not in _SKIPPED.get():
            yield from super().__call__(components)


class _SeenIds(set[int]):
    """The schema validator's registries of schemas already checked, as a set: the library keeps
    them in lists, so each schema's check searched every one before it (on GitHub's spec, 7 of
    the validator's 17 seconds). ``append`` and ``in`` are all the library uses."""

    def append(self, value: int) -> None:
        self.add(value)


def _quick_schemas(cls: type[KeywordValidator]) -> type[KeywordValidator]:
    """``cls`` (the version's schema validator) with its registries as ``_SeenIds`` and, for
    OpenAPI 3.0, each schema's check against JSON Schema draft 4 made by jsonschema-rs first
    (``_meta_valid_at_once``)."""
    if not issubclass(cls, SchemaValidator):
        return cls

    def init(self: Any, registry: Any) -> None:
        cls.__init__(self, registry)
        self.visited_schema_ids = _SeenIds(self.visited_schema_ids or ())
        self.meta_checked_schema_ids = _SeenIds(self.meta_checked_schema_ids or ())

    def checker(self: Any, schema: SchemaPath, value: Any) -> Callable[[Any], None]:
        check: Callable[[Any], None] = cls._get_schema_checker(self, schema, value)
        return lambda instance: None if _meta_valid_at_once(instance) else check(instance)

    members: dict[str, Any] = {"__init__": init}
    if issubclass(cls, OpenAPIV30SchemaValidator):
        members["_get_schema_checker"] = checker
    return type(cls.__name__, (cls,), members)


def _meta_valid_at_once(schema: Any) -> bool:
    """Whether jsonschema-rs finds ``schema`` (a Schema Object of OpenAPI 3.0) valid under
    JSON Schema draft 4, which is what the library checks each one against. Its only format
    there, ``regex``, is not checked (``patterns_validation``), so nothing else is asked; a
    schema it finds wrong is checked by jsonschema, as ``_valid_at_once`` does for the whole
    spec. On GitHub's spec: about 1.5 of the validator's 4 seconds."""
    return _quickly_valid("draft 4", lambda: OAS30Validator.META_SCHEMA, schema)


def _keyword_validators(
    validators: Mapping[str, type[KeywordValidator]],
) -> dict[str, type[KeywordValidator]]:
    chosen = {
        **validators,
        "operation": _OperationValidator,
        "paths": _PathsValidator,
        "components": _ComponentsValidator,
        "schema": _quick_schemas(validators["schema"]),
    }
    return {name: _located(cls) for name, cls in chosen.items()}


def _units(spec: Mapping[str, Any]) -> dict[str, str]:
    """A cache key per part the validator's own checks may skip: each path item, and the
    components, each keyed with everything its checks can read (the components and the rest of
    the spec; never other path items)."""
    from generator.cache import stage_key, value_digest

    rest = value_digest({k: v for k, v in spec.items() if k not in ("paths", _COMPONENTS)})
    components = value_digest(spec.get(_COMPONENTS))
    libraries = ("openapi-spec-validator", "jsonschema", "jsonschema-path")
    units = {_COMPONENTS: stage_key("valid-part", libraries, rest, components, _COMPONENTS)}
    paths = spec.get("paths")
    for url, item in paths.items() if isinstance(paths, Mapping) else ():
        key = stage_key("valid-part", libraries, rest, components, "/paths", str(url))
        units[str(url)] = stage_key("valid-part", (), key, value_digest(item))
    return units


class _RetrievalRefused(Exception):
    """openapi-spec-validator asked for a document other than the spec."""


def _refuse(uri: str) -> Any:
    raise _RetrievalRefused(
        f"{uri!r} is outside this file (an $id changes where references point); "
        "specgen reads no other file and nothing from the network"
    )


class _NoRetrieval(Mapping[str, Any]):
    """Resolver handlers that answer every URI scheme with a refusal.

    openapi-spec-validator's default handlers read files and URLs while checking ``default``
    values against their schemas (following ``$ref``s resolved against any ``$id``), and a scheme
    without a handler falls back to ``urlopen``: so every scheme gets one, and it refuses.
    """

    def __getitem__(self, scheme: str) -> Any:
        return _refuse

    def __contains__(self, scheme: object) -> bool:
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def _schema_validator(schema: Any) -> Any:
    """jsonschema's validator of an OpenAPI schema. The library's own choice ("auto") would be
    jsonschema-rs when it is installed, as it is here (``_valid_at_once``), and its errors lack
    the context the messages are made from."""
    return jsonschema.validators.validator_for(schema)(schema)


class _Spec30Validator(OpenAPIV30SpecValidator):
    resolver_handlers = _NoRetrieval()  # type: ignore[assignment]
    keyword_validators = _keyword_validators(
        engine_patterns(OpenAPIV30SpecValidator.keyword_validators, "3.0")
    )
    schema_validator = _schema_validator(schema_v30)


class _Spec31Validator(OpenAPIV31SpecValidator):
    resolver_handlers = _NoRetrieval()  # type: ignore[assignment]
    keyword_validators = _keyword_validators(
        engine_patterns(OpenAPIV31SpecValidator.keyword_validators, "3.1")
    )
    schema_validator = _schema_validator(schema_v31)


class _Spec32Validator(OpenAPIV32SpecValidator):
    resolver_handlers = _NoRetrieval()  # type: ignore[assignment]
    keyword_validators = _keyword_validators(
        engine_patterns(OpenAPIV32SpecValidator.keyword_validators, "3.2")
    )
    schema_validator = _schema_validator(schema_v32)


def _reference_problems(spec: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    components = (spec.get("components") or {}).get("schemas") or {}
    targets: dict[str, str | None] = {}  # a target's problem, once: most are referred to often
    for pointer, keyword, ref in iter_references(spec):
        where = f"{pointer}/{keyword}"
        if keyword.startswith("mapping/") and COMPONENT_NAME.fullmatch(ref):
            if ref not in components:  # a discriminator may name a component schema
                yield where, f"discriminator mapping {ref!r} names no schema in components"
            continue
        if not is_local_reference(ref):
            yield where, _outside_message(ref)
        elif keyword != "$ref" and not (ref == "#" or ref.startswith("#/")):
            continue  # "#name" names an anchor; specgen reads such values as any JSON (README)
        elif keyword == "$ref" and in_data(spec, pointer):
            continue  # a local "$ref" inside an example or a default is data, never followed
        else:
            if ref not in targets:
                targets[ref] = _local_target_problem(spec, ref)
            if (problem := targets[ref]) is not None:
                yield where, problem


def _outside_message(ref: str) -> str:
    return (
        f"only local references ('#/...', inside this file) are supported, not {ref!r}: "
        "specgen reads no other file and nothing from the network"
    )


def _local_target_problem(spec: Mapping[str, Any], ref: str) -> str | None:
    """Why the local reference ``ref`` leads nowhere, or None when it reaches a node.

    A chain of nodes that are only references (``$ref`` to a ``$ref``...) must end: a cycle of
    them describes nothing, and tools following it recurse until they crash.
    """
    chain = [ref]
    pointers: list[str] = []  # decoded, so that two spellings of one pointer are one
    while True:
        try:
            pointers.append(reference_pointer(chain[-1][1:]))
            target = resolve_pointer(spec, pointers[-1])
        except (LookupError, ValueError):
            if len(chain) == 1:
                return f"reference {ref!r} points to nothing"
            return None  # reported where the dangling reference itself is
        following = target.get("$ref") if isinstance(target, Mapping) else None
        if not isinstance(following, str) or not is_local_reference(following):
            return None
        try:
            repeated = reference_pointer(following[1:]) in pointers
        except ValueError:
            return None  # reported where that reference is
        if repeated:
            return f"reference cycle: {' -> '.join([*chain, following])} never reaches a value"
        chain.append(following)


def _operation_id_problems(spec: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    seen: dict[str, str] = {}
    for found in iter_operations(spec):
        pointer = f"{found.pointer}/operationId"
        if "operationId" not in found.operation or pointer in seen.values():
            continue  # a path item referenced from two paths holds each operation once
        op_id = found.operation["operationId"]
        if op_id in seen:
            yield (
                pointer,
                (
                    f"operationId {quoted(op_id)} is also used at {seen[op_id]}: "
                    "the client's method gets a numbered name"
                ),
            )
        seen[op_id] = pointer
