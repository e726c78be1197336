"""Build the intermediate model (``ir.Api``) and the models' input schema from an effective spec.

A pure function of the spec: names are decided here (``naming``), inline object schemas are
given names and hoisted into components so the models stage can emit classes for them, and
anything that cannot be generated is an error naming its place in the spec.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from generator import __version__, naming
from generator.errors import Report, SpecgenError, escape_token, parse_pointer, to_pointer
from generator.extensions import operation_parameters
from generator.ir import (
    ANY,
    NONE,
    Api,
    Body,
    BodyKind,
    FormField,
    Operation,
    Pagination,
    Parameter,
    Response,
    ResponseKind,
    SecurityScheme,
    Server,
    Tag,
    TypeRef,
)
from generator.nesting import hoist_nested, member_hint
from generator.operations import FoundOperation, iter_operations
from generator.patterns import drop_bad_patterns
from generator.schemas import (
    COMPONENT_PREFIX,
    component_name,
    is_object_like,
    lenient,
    models_input,
    resolve,
    schema_at,
    walk_schemas,
)
from generator.validate import iter_refs

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Methods whose repetition has the effect of one request (RFC 9110, 9.2.2): retried by default.
IDEMPOTENT_METHODS = frozenset({"get", "head", "options", "put", "delete", "trace", "query"})
# Names the client classes already use: an operation with one of them gets a suffix.
CLIENT_ATTRIBUTES = {"close", "base_url", "timeout", "deadline", "max_retries", "headers", "auth"}
# Upper-case names ``_client.py`` defines or imports: a server's constant must be none of them.
CLIENT_MODULE_CONSTANTS = frozenset({"DEFAULT_BASE_URL", "DEFAULT_TIMEOUT", "DEFAULT_MAX_RETRIES"})
RESERVED_ARGUMENTS = {
    "self", "body", "extra_headers", "extra_query", "timeout", "deadline", "max_retries",
}  # fmt: skip
_DEFAULT_STYLE = {"query": "form", "cookie": "form", "path": "simple", "header": "simple"}
_CONSTRAINTS = {
    "minimum": "ge", "maximum": "le", "exclusiveMinimum": "gt", "exclusiveMaximum": "lt",
    "minLength": "min_length", "maxLength": "max_length", "pattern": "pattern",
    "minItems": "min_length", "maxItems": "max_length", "multipleOf": "multiple_of",
}  # fmt: skip


@dataclass(frozen=True)
class Target:
    """What to generate: the package and client names an API's config gives."""

    package: str
    client_class: str
    display_name: str = ""


@dataclass
class Built:
    api: Api
    models_spec: dict[str, Any]  # the document handed to datamodel-code-generator
    operations_total: int = 0  # operations in the spec, generated or skipped
    # Where each schema of ``models_spec`` is in the spec: class name -> JSON pointer.
    model_pointers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Builder:
    spec: dict[str, Any]
    source: str
    class_names: dict[str, str] = field(default_factory=dict)  # component name -> class name
    hoisted: dict[str, Any] = field(default_factory=dict)  # class name -> schema
    hoisted_at: dict[str, str] = field(default_factory=dict)  # class name -> JSON pointer
    # Where problems local to one operation go (it is skipped); without one they are raised.
    report: Report | None = None
    operations_total: int = 0
    form_classes: set[str] = field(default_factory=set)  # TypedDicts of the ``forms`` module

    def error(self, pointer: str, message: str) -> SpecgenError:
        return SpecgenError.at(self.source, pointer, message)

    # -- types ---------------------------------------------------------------------------------

    def type_of(
        self, schema: Any, pointer: str, hint: str, *, strict_enums: bool = True
    ) -> TypeRef:
        """The Python type of ``schema``; inline object schemas get the class name ``hint``."""
        name = component_name(schema)
        if name is not None:
            target = resolve(self.spec, schema)
            if is_object_like(self.spec, target):
                return TypeRef("model", self.class_names[name])
            return self.type_of(
                target, f"/components/schemas/{escape_token(name)}", hint, strict_enums=strict_enums
            )
        schema = resolve(self.spec, schema)
        if schema is True or schema == {} or schema is None:
            return ANY
        if not isinstance(schema, Mapping):
            raise self.error(pointer, "a schema must be an object")
        nullable = bool(schema.get("nullable")) or "null" in _type_list(schema)
        result = self._non_null_type(schema, pointer, hint, strict_enums)
        if nullable and result.kind not in ("any", "none"):
            result = TypeRef("union", args=(result, NONE))
        return result

    def _non_null_type(
        self, schema: Mapping[str, Any], pointer: str, hint: str, strict_enums: bool
    ) -> TypeRef:
        if is_object_like(self.spec, schema):
            return TypeRef("model", self.hoist(hint, schema, pointer))
        for key in ("oneOf", "anyOf"):
            if key in schema:
                members = [
                    self.type_of(
                        m,
                        f"{pointer}/{key}/{i}",
                        hint + naming.pascal(member_hint(schema, schema[key], i)),
                        strict_enums=strict_enums,
                    )
                    for i, m in enumerate(schema[key])
                ]
                return _union(members)
        if "enum" in schema and strict_enums:
            values = tuple(v for v in schema["enum"] if v is not None)
            return TypeRef("literal", values=values) if values else NONE
        if "const" in schema:
            return TypeRef("literal", values=(schema["const"],))
        kinds = _type_list(schema) - {"null"}
        if len(kinds) > 1:
            return _union(
                [
                    self._non_null_type({**schema, "type": k}, pointer, hint, strict_enums)
                    for k in sorted(kinds)
                ]
            )
        kind = next(iter(kinds), None)
        constraints = tuple(
            (_CONSTRAINTS[k], schema[k])
            for k in _CONSTRAINTS
            if k in schema and not isinstance(schema[k], bool)
        )
        if kind == "array":
            item = self.type_of(
                schema.get("items", {}),
                f"{pointer}/items",
                f"{hint}Item",
                strict_enums=strict_enums,
            )
            return TypeRef("list", args=(item,), constraints=constraints)
        if kind == "object":
            extra = schema.get("additionalProperties")
            value = (
                self.type_of(extra, f"{pointer}/additionalProperties", f"{hint}Value")
                if isinstance(extra, Mapping)
                else ANY
            )
            return TypeRef("dict", args=(TypeRef("builtin", "str"), value))
        if kind == "string":
            fmt = schema.get("format")
            builtin = {"date-time": "datetime", "date": "date", "binary": "bytes"}.get(
                fmt if isinstance(fmt, str) else "", "str"
            )
            return TypeRef("builtin", builtin, constraints=constraints if builtin == "str" else ())
        if kind in ("integer", "number", "boolean"):
            builtin = {"integer": "int", "number": "float", "boolean": "bool"}[kind]
            return TypeRef("builtin", builtin, constraints=constraints if builtin != "bool" else ())
        if kind == "null":
            return NONE
        return ANY

    def hoist(self, hint: str, schema: Mapping[str, Any], pointer: str = "") -> str:
        """Give an inline object schema (at ``pointer``) a class name and add it to the models'
        input."""
        for name, existing in self.hoisted.items():
            if existing == schema:
                return name
        name = naming.unique(
            [naming.model_class(hint)], [*self.class_names.values(), *self.hoisted], separator=""
        )[0]
        self.hoisted[name] = copy.deepcopy(dict(schema))
        self.hoisted_at[name] = pointer
        return name

    # -- operations ----------------------------------------------------------------------------

    def operations(self) -> list[Operation]:
        found = list(iter_operations(self.spec))
        ids = [f.operation.get("operationId") or f"{f.method} {f.path}" for f in found]
        ids = [i if isinstance(i, str) else str(i) for i in ids]
        names = naming.unique([naming.snake(i) for i in ids], CLIENT_ATTRIBUTES)
        self.operations_total = len(found)
        operations = []
        for where, op_id, name in zip(found, ids, names, strict=True):
            try:
                operations.append(self.operation(where, op_id, name))
            except SpecgenError as exc:
                self.skip(where.pointer, exc)
            except Exception as exc:  # a spec shape the builder did not foresee
                error = self.error(where.pointer, f"cannot generate this operation: {exc!r}")
                self.skip(where.pointer, error, cause=exc)
        return _with_pager_names(operations)

    def skip(self, pointer: str, exc: SpecgenError, cause: Exception | None = None) -> None:
        """Leave out the operation at ``pointer`` with a warning, or raise without a report."""
        if self.report is None:
            raise exc from cause
        for diagnostic in exc.diagnostics:
            self.report.warn(
                diagnostic.pointer or pointer, f"operation skipped: {diagnostic.message}"
            )

    def degrade(self, pointer: str, message: str) -> None:
        """Note something of an operation generated in a simpler form than the spec asks for
        (a warning with a report; without one the problem is raised, the old behaviour)."""
        if self.report is None:
            raise self.error(pointer, message)
        self.report.warn(pointer, message)

    def operation(self, where: FoundOperation, op_id: str, name: str) -> Operation:
        raw, path, method, pointer = where.operation, where.path, where.method, where.pointer
        hint = naming.pascal(op_id)
        params = self.parameters(
            operation_parameters(self.spec, where.path_item, raw), pointer, hint
        )
        by_wire = {p.name: p.python_name for p in params}
        responses = self.responses(raw.get("responses") or {}, pointer, hint)
        success = next((r for r in responses if r.status.startswith("2")), None)
        # A lone ``default`` response is what every call gets back, success included.
        default_success = success is None and [r.status for r in responses] == ["default"]
        if default_success:
            success = responses[0]
        security = raw.get("security", self.spec.get("security") or [])
        return Operation(
            operation_id=op_id,
            method_name=name,
            http_method=method,
            path=path,
            summary=_text(raw.get("summary")),
            description=_text(raw.get("description")),
            parameters=params,
            body=self.body(raw.get("requestBody"), f"{pointer}/requestBody", hint),
            responses=responses,
            success=success,
            security=tuple(tuple(sorted(req)) for req in security if isinstance(req, Mapping)),
            accept=_accept(success, responses),
            pagination=self.pagination(raw.get("x-pagination"), success, by_wire, pointer, hint),
            require_any_of=tuple(
                tuple(by_wire[n] for n in group) for group in raw.get("x-require-any-of") or []
            ),
            deprecated=bool(raw.get("deprecated")),
            tags=tuple(str(t) for t in raw.get("tags") or []),
            idempotent=bool(raw.get("x-idempotent", method.lower() in IDEMPOTENT_METHODS)),
            default_success=default_success,
        )

    def parameters(
        self, raw: list[Mapping[str, Any]], pointer: str, hint: str
    ) -> tuple[Parameter, ...]:
        usable = []
        for param in raw:
            if param.get("in") in _DEFAULT_STYLE or param.get("in") == "querystring":
                usable.append(param)
            else:
                self.degrade(
                    f"{pointer}/parameters",
                    f"parameter {param.get('name')!r} ignored: 'in: {param.get('in')}' is not a "
                    "parameter location",
                )
        # The spec's order is kept: it is the order parameters are serialized in.
        names = naming.unique([naming.snake(str(p["name"])) for p in usable], RESERVED_ARGUMENTS)
        return tuple(
            self.parameter(param, python_name, f"{pointer}/parameters", hint)
            for param, python_name in zip(usable, names, strict=True)
        )

    def parameter(
        self, param: Mapping[str, Any], python_name: str, where: str, hint: str
    ) -> Parameter:
        location = param["in"]
        name = str(param["name"])
        schema, content_type = param.get("schema", {}), None
        content = param.get("content")
        if isinstance(content, Mapping) and content:
            # One media type (OpenAPI requires exactly one); its schema types the value.
            content_type = str(next(iter(content)))
            media = content[content_type] or {}
            schema = (
                media.get("schema", {})
                if _is_json(content_type) or _is_form(content_type)
                else {"type": "string"}
            )
        style = param.get("style", _DEFAULT_STYLE.get(location, "form"))
        return Parameter(
            name=name,
            python_name=python_name,
            location=location,
            required=bool(param.get("required", location == "path")),
            type=self.type_of(schema, where, hint + naming.pascal(name)),
            style=style,
            explode=bool(param.get("explode", style == "form")),
            allow_reserved=bool(param.get("allowReserved", False)),
            description=_text(param.get("description")),
            deprecated=bool(param.get("deprecated")),
            content_type=content_type,
        )

    def body(self, raw: Any, pointer: str, hint: str) -> Body | None:
        if raw is None:
            return None
        raw = resolve(self.spec, raw)
        content = raw.get("content") or {}
        media = _pick_media_type(content)
        if media is None:
            return None  # a body without content: nothing to send
        where = f"{pointer}/content/{escape_token(media)}"
        entry = content[media] or {}
        body = Body(media, ANY, bool(raw.get("required", False)), _text(raw.get("description")))
        kind = _body_kind(media, entry)
        if kind in ("form", "multipart"):
            return self.form_body(body, kind, entry, where, hint)
        if kind == "jsonl":
            item = self.typed_or_any(entry.get("itemSchema"), f"{where}/itemSchema", hint + "Item")
            return replace(body, kind=kind, type=TypeRef("list", args=(item,)))
        if kind == "json":
            body_type = self.typed_or_any(entry.get("schema"), f"{where}/schema", hint + "Body")
            return replace(body, type=body_type)
        raw_type = TypeRef("builtin", "str" if kind == "text" else "bytes")
        return replace(body, kind=kind, type=raw_type)

    def typed_or_any(
        self, schema: Any, where: str, hint: str, what: str = "body", strict_enums: bool = False
    ) -> TypeRef:
        """The type of a body's schema (at ``where``); one the builder cannot type is taken as
        any JSON value, with a warning, rather than costing the operation."""
        if schema is None:
            return ANY
        try:
            return self.type_of(schema, where, hint, strict_enums=strict_enums)
        except SpecgenError as exc:
            reason = "; ".join(d.message for d in exc.diagnostics)
            self.degrade(where, f"{what} taken as any JSON value: {reason}")
            return ANY

    def form_body(
        self, body: Body, kind: BodyKind, entry: Mapping[str, Any], where: str, hint: str
    ) -> Body:
        """A form body: a TypedDict of its fields when the schema lists properties, else any
        mapping of field names to values (files included)."""
        schema = resolve(self.spec, entry.get("schema") or {})
        properties, required = self.form_properties(schema)
        any_form = TypeRef("dict", args=(TypeRef("builtin", "str"), ANY))
        if not properties:
            return replace(body, kind=kind, type=any_form)
        encoding = _mapping(entry.get("encoding"))
        fields = tuple(
            self.form_field(
                str(name),
                sub,
                str(name) in required,
                _mapping(encoding.get(name)),
                f"{where}/schema/properties/{escape_token(str(name))}",
                hint + "Body" + naming.pascal(str(name)),
            )
            for name, sub in properties.items()
        )
        form_class = naming.unique([naming.model_class(hint + "Form")], self.form_classes)[0]
        self.form_classes.add(form_class)
        return replace(body, kind=kind, type=any_form, fields=fields, form_class=form_class)

    def form_properties(self, schema: Any) -> tuple[dict[str, Any], set[str]]:
        """The properties (and required names) of a form's object schema, ``allOf`` merged."""
        properties: dict[str, Any] = {}
        required: set[str] = set()
        if not isinstance(schema, Mapping):
            return properties, required
        for member in schema.get("allOf") or []:
            more, names = self.form_properties(resolve(self.spec, member))
            properties.update(more)
            required |= names
        if isinstance(schema.get("properties"), Mapping):
            properties.update(schema["properties"])
        if isinstance(schema.get("required"), list):
            required |= {str(n) for n in schema["required"]}
        return properties, required

    def form_field(
        self,
        name: str,
        schema: Any,
        required: bool,
        encoding: Mapping[str, Any],
        where: str,
        hint: str,
    ) -> FormField:
        target = _mapping(resolve(self.spec, schema))
        many = "array" in _type_list(target)
        item = resolve(self.spec, target.get("items", {})) if many else target
        style = encoding.get("style", "form")
        style = style if isinstance(style, str) else "form"
        content_type = encoding.get("contentType")
        field = FormField(
            name=name,
            type=ANY,
            required=required,
            many=many,
            style=style,
            explode=bool(encoding.get("explode", style == "form")),
            content_type=content_type if isinstance(content_type, str) else None,
            description=_text(target.get("description")),
        )
        if _is_file(item):
            return replace(field, type=TypeRef("builtin", "bytes"), file=True)
        field_type = self.typed_or_any(schema, where, hint, f"form field {name!r}", True)
        return replace(field, type=field_type)

    def responses(self, raw: Mapping[str, Any], pointer: str, hint: str) -> tuple[Response, ...]:
        result = []
        for status, response in raw.items():
            kind: ResponseKind
            status = str(status).upper() if str(status) != "default" else "default"
            response = resolve(self.spec, response)
            content = response.get("content") or {}
            media = _pick_media_type(content)
            where = f"{pointer}/responses/{escape_token(status)}"
            suffix = "Response" if status.startswith("2") else f"Error{status}"
            entry = (content.get(media) or {}) if media is not None else {}
            if not content:
                kind, body_type = "empty", NONE
            elif media is not None and "itemSchema" in entry and _is_sequential(media):
                kind = "events" if _base(media) == "text/event-stream" else "jsonl"
                item = self.typed_or_any(
                    entry["itemSchema"],
                    f"{where}/content/{escape_token(media)}/itemSchema",
                    hint + suffix + "Item",
                    "response item",
                )
                body_type = TypeRef("list", args=(item,))
            elif media is None or not (
                _is_json(media) or media.startswith("text/") or _json_wildcard(media, entry)
            ):
                kind, body_type = "binary", TypeRef("builtin", "bytes")
            elif _is_json(media) or _json_wildcard(media, entry):
                schema = entry.get("schema")
                kind = "json"
                body_type = self.typed_or_any(
                    schema,
                    f"{where}/content/{escape_token(media)}/schema",
                    hint + suffix,
                    "response",
                )
            else:
                kind, body_type = "text", TypeRef("builtin", "str")
            description = _text(response.get("description"))
            result.append(Response(status, description, kind, media, body_type))
        return tuple(sorted(result, key=lambda r: (r.status == "default", r.status)))

    def pagination(
        self,
        raw: Any,
        success: Response | None,
        by_wire: Mapping[str, str],
        pointer: str,
        hint: str,
    ) -> Pagination | None:
        if raw is None:
            return None
        where = f"{pointer}/x-pagination"
        if success is None or success.kind != "json":
            raise self.error(where, "a paginated operation needs a JSON success response")
        schema = self._success_schema(pointer, success)
        items = schema_at(self.spec, schema, parse_pointer(raw["items"]))
        if not isinstance(items, Mapping) or "items" not in items:
            raise self.error(
                f"{where}/items", f"{raw['items']} is not an array in the success response"
            )
        item_type = self.type_of(
            items["items"], f"{where}/items", hint + "Item", strict_enums=False
        )
        style = raw["style"]
        position = {
            "offset": "offsetParam",
            "watermark": "watermarkParam",
            "page": "startParam",
        }.get(style)
        return Pagination(
            style=style,
            items=raw["items"],
            item_type=item_type,
            position_param=by_wire[raw[position]] if position else None,
            limit_param=by_wire[raw["limitParam"]] if "limitParam" in raw else None,
            cursor_field=raw.get("cursorField"),
            total=raw.get("total"),
            next_position=raw.get("nextCursor") or raw.get("nextWatermark") or raw.get("nextPage"),
            has_more=raw.get("hasMore"),
        )

    def _success_schema(self, pointer: str, success: Response) -> Any:
        operation: Any = self.spec
        for token in parse_pointer(pointer):
            operation = operation[token]
        raw = next(v for k, v in operation["responses"].items() if str(k).upper() == success.status)
        return (resolve(self.spec, raw)["content"][success.media_type] or {}).get("schema", {})

    # -- security and servers ------------------------------------------------------------------

    def security_schemes(self) -> tuple[SecurityScheme, ...]:
        raw = (self.spec.get("components") or {}).get("securitySchemes") or {}
        return tuple(_scheme(key, resolve(self.spec, value)) for key, value in sorted(raw.items()))

    def servers(self) -> tuple[Server, ...]:
        raw = self.spec.get("servers") or [{"url": "/"}]
        urls = [_server_url(s) for s in raw]
        labels = [_server_label(s, url) for s, url in zip(raw, urls, strict=True)]
        constants = naming.unique(
            [naming.constant(label) for label in labels], CLIENT_MODULE_CONSTANTS
        )
        return tuple(
            Server(url, _text(s.get("description")), c)
            for s, url, c in zip(raw, urls, constants, strict=True)
        )


def build_api(
    spec: Mapping[str, Any], source: str, target: Target, report: Report | None = None
) -> Built:
    """The IR and the models' input for ``spec`` (already overlaid and validated).

    With a ``report``, an operation that cannot be generated is left out with a warning in it;
    without one, the first such problem is raised.
    """
    spec = copy.deepcopy(dict(spec))
    drop_bad_patterns(spec, partial(_local_problem, source, report))
    components = dict((spec.get("components") or {}).get("schemas") or {})
    class_names = dict(
        zip(
            components,
            naming.unique([naming.model_class(n) for n in components], separator=""),
            strict=True,
        )
    )
    builder = _Builder(spec=dict(spec), source=source, class_names=class_names, report=report)
    operations = tuple(builder.operations())
    info = spec.get("info") or {}
    api = Api(
        title=_text(info.get("title")) or target.client_class,
        version=_text(info.get("version")),
        description=_text(info.get("description")),
        package=target.package,
        client_class=target.client_class,
        display_name=target.display_name or _text(info.get("title")) or target.client_class,
        servers=builder.servers(),
        operations=operations,
        security_schemes=builder.security_schemes(),
        model_names=tuple(
            sorted(
                {class_names[n] for n, s in components.items() if is_object_like(spec, s)}
                | set(builder.hoisted)
            )
        ),
        spec_hash=_spec_hash(spec),
        generator_version=__version__,
        tags=_tags(spec, operations),
    )
    read = {r.type for op in operations for r in op.responses}
    read |= {op.pagination.item_type for op in operations if op.pagination is not None}
    roots = {name for ref in read for name in _model_names(ref)}
    models, nested_at = _models_spec(spec, class_names, builder.hoisted, roots)
    api = replace(api, model_names=tuple(sorted({*api.model_names, *nested_at})))
    pointers = {new: to_pointer(["components", "schemas", old]) for old, new in class_names.items()}
    pointers.update(builder.hoisted_at)
    pointers.update(_in_spec(nested_at, pointers))
    return Built(api, models, builder.operations_total, pointers)


def _in_spec(nested_at: Mapping[str, str], pointers: Mapping[str, str]) -> dict[str, str]:
    """Where each nested class hoisted from a models' input schema is in the spec: the input's
    ``/components/schemas/<class>`` part replaced by where that class comes from."""
    found = {}
    for name, where in nested_at.items():
        owner, _, rest = where.removeprefix("/components/schemas/").partition("/")
        found[name] = pointers.get(owner, f"/components/schemas/{owner}") + "/" + rest
    return found


def _local_problem(source: str, report: Report | None, pointer: str, message: str) -> None:
    """A problem that costs only the thing at ``pointer``: a warning, or raised without a report."""
    if report is None:
        raise SpecgenError.at(source, pointer, message)
    report.warn(pointer, message)


def _spec_hash(spec: Mapping[str, Any]) -> str:
    # YAML gives dates and timestamps where JSON has strings (an unquoted `example: 2024-01-01`).
    text = json.dumps(spec, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _model_names(ref: TypeRef) -> set[str]:
    names = {ref.name} if ref.kind == "model" else set()
    for arg in ref.args:
        names |= _model_names(arg)
    return names


def _models_spec(
    spec: Mapping[str, Any],
    class_names: Mapping[str, str],
    hoisted: Mapping[str, Any],
    response_roots: set[str],
) -> tuple[dict[str, Any], dict[str, str]]:
    """Component schemas renamed to their class names, inline ones added (and the objects
    nested in them, with where each was: ``nesting``), read leniently.

    Built from ``schemas.models_input`` (an allow-list of keywords), never from the spec as is.
    """
    renames = {
        COMPONENT_PREFIX + escape_token(old): COMPONENT_PREFIX + new
        for old, new in class_names.items()
    }
    schemas = {
        class_names[name]: models_input(s)
        for name, s in ((spec.get("components") or {}).get("schemas") or {}).items()
    }
    schemas.update((name, models_input(s)) for name, s in hoisted.items())
    version = str(spec.get("openapi", ""))
    document: dict[str, Any] = {
        "openapi": "3.1.0" if version.startswith("3.1.") else "3.0.3",
        "info": {"title": "models", "version": "0"},
        "paths": {},
        "components": {"schemas": schemas},
    }
    _rewrite_refs(document, renames)
    _flatten_conflicting_overrides(document["components"]["schemas"])
    _drop_model_defaults(document["components"]["schemas"])
    nested = hoist_nested(document["components"]["schemas"])
    document["components"]["schemas"] = nested.schemas
    readable = _reachable(document, response_roots)
    document["components"]["schemas"] = {
        name: lenient(s, keep_closed=name not in readable) if isinstance(s, Mapping) else s
        for name, s in document["components"]["schemas"].items()
    }
    return document, nested.pointers


# Keywords that decide a property's Python type (the others only constrain or describe it).
_SHAPE_KEYWORDS = (
    "type", "format", "$ref", "enum", "const", "items", "properties", "allOf", "anyOf", "oneOf",
    "additionalProperties", "nullable",
)  # fmt: skip
# What an allOf member may hold for its properties to be merged into one class.
_MERGEABLE = {"type", "properties", "required", "title", "description", "$ref", "allOf"}


def _flatten_conflicting_overrides(schemas: dict[str, Any]) -> None:
    """Merge an ``allOf`` into one object where a member gives a property another type.

    The models stage makes ``allOf: [$ref: Base, {properties: ...}]`` a subclass of ``Base``;
    a member that redefines a property of ``Base`` with another type (``date-time`` for a
    string, a model for a free-form object) then overrides an attribute with an incompatible
    type, which type checkers refuse. Such an ``allOf`` becomes one object holding every
    member's properties, the later definition winning, as JSON Schema validation reads it.
    """
    for schema in schemas.values():
        for node in list(walk_schemas(schema)):
            members = node.get("allOf")
            if not isinstance(members, list) or not _overrides_shape(schemas, node, members):
                continue
            merged = _merged_properties(schemas, members, set())
            if merged is None:
                continue
            properties, required = merged
            properties.update(node.get("properties") or {})
            node.pop("allOf")
            node["type"] = "object"
            node["properties"] = properties
            required.extend(r for r in node.get("required") or [] if r not in required)
            if required:
                node["required"] = required


def _overrides_shape(
    schemas: Mapping[str, Any], node: Mapping[str, Any], members: list[Any]
) -> bool:
    """Whether a member (or ``node`` itself) gives a property of an earlier member another type."""
    seen: dict[str, Any] = {}
    for member in [*members, {"properties": node.get("properties") or {}}]:
        merged = _merged_properties(schemas, [member], set())
        for name, prop in (merged[0] if merged else {}).items():
            shape = _shape(prop)
            if name in seen and shape and shape != seen[name]:
                return True
            seen.setdefault(name, shape)
    return False


def _shape(prop: Any) -> dict[str, Any]:
    if not isinstance(prop, Mapping):
        return {}
    return {k: prop[k] for k in _SHAPE_KEYWORDS if k in prop}


def _merged_properties(
    schemas: Mapping[str, Any], members: list[Any], seen: set[str]
) -> tuple[dict[str, Any], list[str]] | None:
    """The properties and required names of ``members`` taken together (references followed),
    or None when a member holds more than properties (a union, a nullable flag...)."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for member in members:
        if not isinstance(member, Mapping) or set(member) - _MERGEABLE:
            return None
        if member.get("type", "object") != "object":
            return None
        parts = []
        name = component_name(member)
        if name is not None:
            if name in seen or name not in schemas:
                return None
            parts.append(_merged_properties(schemas, [schemas[name]], seen | {name}))
        if isinstance(member.get("allOf"), list):
            parts.append(_merged_properties(schemas, member["allOf"], seen))
        own = {k: copy.deepcopy(v) for k, v in (member.get("properties") or {}).items()}
        parts.append((own, list(member.get("required") or [])))
        for part in parts:
            if part is None:
                return None
            properties.update(part[0])
            required.extend(r for r in part[1] if r not in required)
    return properties, required


def _drop_model_defaults(schemas: Mapping[str, Any]) -> None:
    """Leave out object and array defaults of schemas that become (or hold) model classes.

    Written as a dict literal, such a default is converted by pydantic but refused by type
    checkers (a ``dict`` is not a ``Pet``); a default documents what the server assumes, so the
    field is simply optional. Defaults of free-form objects and scalars stay.

    A union's (``oneOf``/``anyOf``) default goes too: the models stage copies it into every
    member's root model, where it fits one member at most (OpenAI's ``prompt``, a string
    default for a union of a string and arrays).
    """
    for schema in schemas.values():
        for node in walk_schemas(schema):
            if "default" not in node:
                continue
            default = node["default"]
            union = "oneOf" in node or "anyOf" in node
            if union or (isinstance(default, (dict, list)) and _holds_model(schemas, node, set())):
                del node["default"]


def _holds_model(schemas: Mapping[str, Any], node: Any, seen: set[str]) -> bool:
    """Whether the Python type of ``node`` is, or contains, a model class."""
    if not isinstance(node, Mapping):
        return False
    name = component_name(node)
    if name is not None:
        if name in seen:
            return True  # a recursive schema: a model
        return _holds_model(schemas, schemas.get(name), seen | {name})
    if "properties" in node or "allOf" in node:
        return True
    members = [m for key in ("anyOf", "oneOf") for m in node.get(key) or []]
    members += [node.get("items"), node.get("additionalProperties")]
    return any(_holds_model(schemas, m, seen) for m in members)


def _reachable(document: Mapping[str, Any], roots: set[str]) -> set[str]:
    """Class names reachable by ``$ref`` from ``roots`` in the models document."""
    schemas = document["components"]["schemas"]
    seen: set[str] = set()
    pending = [r for r in roots if r in schemas]
    while pending:
        name = pending.pop()
        if name in seen or name not in schemas:
            continue
        seen.add(name)
        for _, ref in iter_refs(schemas[name]):
            if ref.startswith(COMPONENT_PREFIX):
                # The component itself, also for a reference into one of its sub-schemas.
                pending.append(parse_pointer(ref[1:])[2])
    return seen


def _rewrite_refs(node: Any, renames: Mapping[str, str]) -> None:
    """Point references (``$ref``s and discriminator mappings) at the renamed components."""

    def renamed(ref: str) -> str:
        prefix = next((old for old in renames if ref == old or ref.startswith(old + "/")), None)
        return ref if prefix is None else renames[prefix] + ref[len(prefix) :]

    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            node["$ref"] = renamed(node["$ref"])
        discriminator = node.get("discriminator")
        mapping = discriminator.get("mapping") if isinstance(discriminator, dict) else None
        if isinstance(mapping, dict):
            for key, ref in mapping.items():
                mapping[key] = renamed(ref)
        for value in node.values():
            _rewrite_refs(value, renames)
    elif isinstance(node, list):
        for value in node:
            _rewrite_refs(value, renames)


def _type_list(schema: Mapping[str, Any]) -> set[str]:
    kind = schema.get("type")
    return (
        {kind}
        if isinstance(kind, str)
        else {k for k in kind if isinstance(k, str)}
        if isinstance(kind, list)
        else set()
    )


def _union(members: list[TypeRef]) -> TypeRef:
    flat: list[TypeRef] = []
    for member in members:
        for item in member.args if member.kind == "union" else (member,):
            if item not in flat:
                flat.append(item)
    if ANY in flat:
        return ANY
    return flat[0] if len(flat) == 1 else TypeRef("union", args=tuple(flat))


def _accept(success: Response | None, responses: tuple[Response, ...]) -> str:
    """The media types a call can get back, the success one first (JSON when none is declared)."""
    ordered = [r.media_type for r in (success, *responses) if r is not None and r.media_type]
    return ", ".join(dict.fromkeys(ordered)) or "application/json"


def _is_json(media: str) -> bool:
    base = media.split(";")[0].strip().lower()
    return base == "application/json" or base.endswith("+json")


def _base(media: str) -> str:
    return media.split(";")[0].strip().lower()


def _is_form(media: str) -> bool:
    return _base(media) == "application/x-www-form-urlencoded"


def _is_multipart(media: str) -> bool:
    return _base(media).startswith("multipart/")


# Media types whose body is a sequence of items (``itemSchema``, OpenAPI 3.2).
_SEQUENTIAL = {
    "application/jsonl", "application/x-ndjson", "application/x-jsonlines", "application/json-seq",
    "text/event-stream",
}  # fmt: skip
_TEXTUAL = ("application/xml", "application/yaml", "application/x-yaml", "application/javascript")


def _json_wildcard(media: str, entry: Mapping[str, Any]) -> bool:
    """``*/*`` with the schema of JSON data (an object, an array...): read as JSON, which is
    what such specs (generated by server frameworks) mean; a string stays bytes."""
    schema = entry.get("schema")
    return (
        _base(media) == "*/*"
        and isinstance(schema, Mapping)
        and bool(schema)
        and schema.get("type") != "string"
    )


def _is_sequential(media: str) -> bool:
    return _base(media) in _SEQUENTIAL


def _pick_media_type(content: Mapping[str, Any]) -> str | None:
    """The media type a client uses among those offered: JSON first, then forms, text and
    binary; an unknown one (``application/xml``) as the last resort, sent as given."""
    for predicate in (
        lambda m: _base(m) == "application/json",
        _is_json,
        _is_form,
        _is_multipart,
        lambda m: m.startswith("text/"),
        lambda m: m in ("application/octet-stream", "*/*"),
    ):
        for media in content:
            if predicate(media):
                return str(media)
    return str(next(iter(content))) if content else None


def _body_kind(media: str, entry: Mapping[str, Any]) -> BodyKind:
    if "itemSchema" in entry and _is_sequential(media) and not media.startswith("text/"):
        return "jsonl"
    if _is_json(media):
        return "json"
    if _is_form(media):
        return "form"
    if _is_multipart(media):
        return "multipart"
    if (
        _base(media).startswith("text/")
        or _base(media) in _TEXTUAL
        or _base(media).endswith("+xml")
    ):
        return "text"
    return "binary"


def _is_file(schema: Any) -> bool:
    """A file in a form: binary or base64 string content (``contentMediaType`` in 3.1)."""
    if not isinstance(schema, Mapping):
        return False
    return (
        schema.get("format") in ("binary", "base64")
        or "contentMediaType" in schema
        or schema.get("contentEncoding") == "base64"
    )


def _with_pager_names(operations: list[Operation]) -> list[Operation]:
    """Name each pager ``iter_<method>``, numbered when that is an operation's name already."""
    taken = {op.method_name for op in operations} | CLIENT_ATTRIBUTES
    paged = [op for op in operations if op.pagination is not None]
    names = iter(naming.unique([f"iter_{op.method_name}" for op in paged], taken))
    return [
        replace(op, pager_name=next(names)) if op.pagination is not None else op
        for op in operations
    ]


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _scheme(key: str, raw: Mapping[str, Any]) -> SecurityScheme:
    kind = raw.get("type")
    description = _text(raw.get("description"))
    if kind == "http" and str(raw.get("scheme", "")).lower() == "bearer":
        return SecurityScheme(key, "bearer", description)
    if kind == "http" and str(raw.get("scheme", "")).lower() == "basic":
        return SecurityScheme(key, "basic", description)
    if kind == "apiKey":
        return SecurityScheme(
            key,
            "api_key",
            description,
            api_key_name=str(raw.get("name")),
            api_key_location=str(raw.get("in")),
        )
    flow = (raw.get("flows") or {}).get("clientCredentials") if kind == "oauth2" else None
    if isinstance(flow, Mapping):
        return SecurityScheme(
            key,
            "oauth2_client_credentials",
            description,
            token_url=str(flow.get("tokenUrl", "")),
            token_urls=tuple(
                sorted((str(k), str(v)) for k, v in (flow.get("x-token-urls") or {}).items())
            ),
            token_request_format=flow.get("x-token-request-format", "form"),
            scopes=tuple(sorted(flow.get("scopes") or {})),
        )
    return SecurityScheme(key, "unsupported", description)


def _server_url(server: Mapping[str, Any]) -> str:
    url = str(server.get("url", "/"))
    for name, variable in (server.get("variables") or {}).items():
        url = url.replace("{" + name + "}", str((variable or {}).get("default", "")))
    return url.rstrip("/") if url != "/" else ""


def _server_label(server: Mapping[str, Any], url: str) -> str:
    """A short name for a server: its description's first phrase when short, else from the host."""
    phrase = re.split(r"[(.:;,]| - ", _text(server.get("description")), maxsplit=1)[0].strip()
    return phrase if phrase and len(phrase.split()) <= 4 else _host_label(url)


def _host_label(url: str) -> str:
    host = url.split("://", 1)[-1].split("/", 1)[0]
    return "sandbox" if "sandbox" in host else "production" if host else "default"


def _tags(spec: Mapping[str, Any], operations: Sequence[Operation]) -> tuple[Tag, ...]:
    """The tags the generated operations carry, in the order the spec declares them (then in the
    order they first appear), each with its description from the top-level ``tags``."""
    declared = {
        t["name"]: _text(t.get("description"))
        for t in spec.get("tags") or []
        if isinstance(t, Mapping) and isinstance(t.get("name"), str)
    }
    used = list(dict.fromkeys(tag for op in operations for tag in op.tags))
    order = [t for t in declared if t in used] + [t for t in used if t not in declared]
    names = naming.unique([naming.snake(t) for t in order])
    return tuple(
        Tag(t, n, declared.get(t, ""), tuple(op.operation_id for op in operations if t in op.tags))
        for t, n in zip(order, names, strict=True)
    )
