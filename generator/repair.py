"""Lenient reading: repair a copy of a spec where a defect is local, with one warning per repair.

Real specs are full of small slips (a ``title`` on an operation, ``const`` in a 3.0 schema, a
path parameter without ``required: true``, a number as ``info.version``, a default that does not
fit its schema...). None of them stops generation, so none of them should refuse the spec. Each
is repaired here in the copy that generation reads, and each repair is a warning in the report
naming its JSON pointer (``--strict`` makes every warning an error). A defect that cannot be
repaired in place costs the smallest thing that encloses it: the operation (left out and
counted), a component schema (read as any value), or a component or top-level section
(dropped). Nothing here reads anything: repairs only remove or rewrite nodes of the copy.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from generator.errors import Report
from generator.rawspec import (
    FIXED_METHODS,
    MISSING,
    escape_token,
    node_at,
    parse_pointer,
    parse_reference,
    target_of,
    to_pointer,
)

_TEMPLATE = re.compile(r"\{([^{}]*)\}")
# Top-level sections generation can do without: a defect inside one drops the whole section.
_OPTIONAL_SECTIONS = (
    "servers",
    "tags",
    "externalDocs",
    "webhooks",
    "security",
    "jsonSchemaDialect",
)
_QUOTE_LIMIT = 80


def quoted(value: Any) -> str:
    """``repr(value)``, cut short: a message quotes spec text, never a whole document."""
    text = repr(value)
    return text if len(text) <= _QUOTE_LIMIT else text[: _QUOTE_LIMIT - 5] + "...'"


def physical_pointer(root: Any, parts: Iterable[Any]) -> str | None:
    """The pointer of the node the validator reached by ``parts``, following local ``$ref``s.

    openapi-spec-validator walks through references, so the path it reports for a problem found
    inside a referenced component runs through the ``$ref``; the repair and the line number need
    the place where the node is written.
    """
    node, tokens = root, []
    for part in parts:
        key = str(part)
        seen: set[str] = set()
        while (
            isinstance(node, Mapping)
            and key not in node
            and isinstance(node.get("$ref"), str)
            and node["$ref"].startswith("#")
            and node["$ref"] not in seen
        ):
            seen.add(node["$ref"])
            try:
                tokens = parse_reference(node["$ref"])
            except ValueError:
                return None
            node = target_of(root, node["$ref"])
        if isinstance(node, Mapping) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
        tokens.append(key)
    return to_pointer(tokens)


@dataclass
class Repairs:
    """Repairs made to ``spec`` (a private copy), each reported as a warning in ``report``."""

    spec: dict[str, Any]
    report: Report
    operations_removed: int = 0

    # -- slips repaired before validation ------------------------------------------------------

    def normalise(self) -> None:
        """Repair the common slips whose fix is certain, before the validator sees them."""
        self._info_version()
        self._query_strings_in_paths()
        for path, item, base in self._path_items():
            self._path_parameters(path, item, base)
            for method, operation in self._operations_of(item, base):
                self._operation_id(operation, f"{base}/{method}")

    def _info_version(self) -> None:
        info = self.spec.get("info")
        if not isinstance(info, dict):
            return
        version = info.get("version")
        if isinstance(version, (int, float)) and not isinstance(version, bool):
            info["version"] = str(version)
            self.report.warn(
                "/info/version",
                f"info.version must be a string: read {version!r} as {str(version)!r}",
            )

    def _query_strings_in_paths(self) -> None:
        """``/search?term={term}`` as a path: the query string is not part of the path.

        Its names are query parameters the operation declares as such; read as template names
        they would become path parameters sent twice.
        """
        paths = self.spec.get("paths")
        if not isinstance(paths, dict):
            return
        for path in [p for p in paths if isinstance(p, str) and "?" in p]:
            bare = path.split("?", 1)[0]
            pointer = to_pointer(["paths", path])
            if bare in paths:
                continue  # both written: the validator's findings decide
            paths[bare] = item = paths.pop(path)
            self.report.warn(pointer, f"a path holds a query string: read as {bare!r}")
            if isinstance(item, dict):
                names = set(_TEMPLATE.findall(path.split("?", 1)[1]))
                self._query_parameters(item, to_pointer(["paths", bare]), names)

    def _query_parameters(self, item: dict[str, Any], base: str, names: set[str]) -> None:
        """Parameters named in a path's query string but declared ``in: path`` go in the query."""
        holders = [
            (base, item),
            *((f"{base}/{m}", op) for m, op in self._operations_of(item, base)),
        ]
        for where, holder in holders:
            params = holder.get("parameters")
            for index, raw in enumerate(params if isinstance(params, list) else []):
                param, pointer = self._resolved(raw, f"{where}/parameters/{index}")
                if not (isinstance(param, dict) and param.get("in") == "path"):
                    continue
                if param.get("name") in names:
                    param["in"] = "query"
                    self.report.warn(
                        pointer,
                        f"parameter {quoted(param['name'])} is in the path's query string, "
                        "not in the path: sent as a query parameter",
                    )

    def _path_items(self) -> Iterator[tuple[str, dict[str, Any], str]]:
        paths = self.spec.get("paths")
        for path, item in list(paths.items()) if isinstance(paths, dict) else []:
            if isinstance(path, str) and isinstance(item, dict):
                yield path, item, to_pointer(["paths", path])

    def _operations_of(
        self, item: dict[str, Any], base: str
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        for method in FIXED_METHODS:
            if isinstance(item.get(method), dict):
                yield method, item[method]
        extra = item.get("additionalOperations")  # OpenAPI 3.2
        if isinstance(extra, dict):
            for method, operation in extra.items():
                if isinstance(operation, dict):
                    yield f"additionalOperations/{escape_token(method)}", operation

    def _path_parameters(self, path: str, item: dict[str, Any], base: str) -> None:
        """Path parameters: required, declared for every template name, and in the template."""
        in_template = _TEMPLATE.findall(path)
        lists = [(f"{base}/parameters", item)]
        lists += [(f"{base}/{m}/parameters", op) for m, op in self._operations_of(item, base)]
        for where, holder in lists:
            self._path_parameter_list(where, holder, set(in_template))
        path_level = self._declared(item)
        for method, operation in self._operations_of(item, base):
            own = self._declared(operation)
            if path_level is None or own is None:
                continue  # a parameter reference leads nowhere: repaired with the references
            declared = path_level | own
            missing = [name for name in dict.fromkeys(in_template) if name not in declared]
            for name in missing:
                params = operation.setdefault("parameters", [])
                if not isinstance(params, list):
                    continue
                params.append(
                    {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                )
                self.report.warn(
                    f"{base}/{method}",
                    f"path parameter {name!r} of {path!r} is not declared: "
                    "taken as a required string",
                )

    def _path_parameter_list(self, where: str, holder: dict[str, Any], names: set[str]) -> None:
        params = holder.get("parameters")
        if not isinstance(params, list):
            return
        kept = []
        for index, raw in enumerate(params):
            param, pointer = self._resolved(raw, f"{where}/{index}")
            if not (isinstance(param, dict) and param.get("in") == "path"):
                kept.append(raw)
                continue
            if param.get("name") not in names:
                self.report.warn(
                    f"{where}/{index}",
                    f"path parameter {quoted(param.get('name'))} is not in the path template: "
                    "left out",
                )
                continue
            kept.append(raw)
            if param.get("required") is not True:
                param["required"] = True
                self.report.warn(
                    pointer,
                    f"path parameter {quoted(param.get('name'))} must be 'required: true' "
                    "(a path parameter is always required): taken as required",
                )
        holder["parameters"] = kept

    def _declared(self, holder: dict[str, Any]) -> set[str] | None:
        """Names of the path parameters ``holder`` declares; None when one is unknown."""
        params = holder.get("parameters")
        names: set[str] = set()
        for raw in params if isinstance(params, list) else []:
            param, _ = self._resolved(raw, "")
            if param is None:
                return None
            if isinstance(param, dict) and param.get("in") == "path":
                names.add(str(param.get("name")))
        return names

    def _resolved(self, raw: Any, pointer: str) -> tuple[Any, str]:
        """A parameter and where it is written, through one local ``$ref`` (a component)."""
        ref = raw.get("$ref") if isinstance(raw, dict) else None
        if isinstance(ref, str) and ref.startswith("#/"):
            target = target_of(self.spec, ref)
            return (None, pointer) if target is MISSING else (target, ref[1:])
        return raw, pointer

    def _operation_id(self, operation: dict[str, Any], pointer: str) -> None:
        """An operationId holding control characters (a NUL...) is cleaned, with a warning."""
        op_id = operation.get("operationId")
        if not isinstance(op_id, str) or op_id.isprintable():
            return
        # An underscore keeps the words apart, so the method name is the one the raw id gives.
        clean = "".join(c if c.isprintable() else "_" for c in op_id).strip("_ ")
        where = f"{pointer}/operationId"
        if clean:
            operation["operationId"] = clean
            self.report.warn(
                where, f"operationId {quoted(op_id)} holds control characters: read as {clean!r}"
            )
        else:
            del operation["operationId"]
            self.report.warn(where, f"operationId {quoted(op_id)} holds no usable name: ignored")

    # -- repairs of what the validator found -------------------------------------------------

    def unknown_keys(self, pointer: str, keys: list[str], version: str) -> bool:
        """Drop keys OpenAPI does not define at ``pointer`` (3.0 ``const`` becomes ``enum``)."""
        holder = node_at(self.spec, pointer)
        if not isinstance(holder, dict) or not keys:
            return False
        if parse_pointer(pointer) == ["paths"]:  # a path that does not start with "/"
            for key in keys:
                self._drop_path(key, to_pointer(["paths", key]), "a path must start with '/'")
            return True
        for key in keys:
            where = f"{pointer}/{escape_token(key)}"
            if key == "const" and version.startswith("3.0.") and "enum" not in holder:
                holder["enum"] = [holder.pop("const")]
                self.report.warn(where, "'const' is OpenAPI 3.1: read as a one-value 'enum'")
            elif key == "pathItems" and pointer == "/components":
                self._inline_path_items(holder.pop(key))
                self.report.warn(
                    where,
                    f"'pathItems' is not an OpenAPI {version} field: "
                    "its path items are read where paths refer to them",
                )
            else:
                holder.pop(key)
                self.report.warn(where, f"{key!r} is not an OpenAPI {version} field here: ignored")
        return True

    def _inline_path_items(self, items: Any) -> None:
        """Put a copy of each ``components/pathItems`` entry where a path refers to it, so that
        dropping the section (OpenAPI 3.0 has none) loses no operation."""
        paths = self.spec.get("paths")
        if not isinstance(items, Mapping) or not isinstance(paths, dict):
            return
        for path, item in paths.items():
            ref = item.get("$ref") if isinstance(item, Mapping) else None
            try:
                tokens = parse_reference(ref) if isinstance(ref, str) else []
            except ValueError:
                continue
            if tokens[:2] == ["components", "pathItems"] and len(tokens) == 3:
                target = items.get(tokens[2])
                if isinstance(target, Mapping):
                    siblings = {k: v for k, v in item.items() if k != "$ref"}
                    paths[path] = {**copy.deepcopy(dict(target)), **siblings}

    def default(self, pointer: str, message: str) -> bool:
        """A ``default`` that does not fit its schema is not used (a YAML date becomes text)."""
        schema = node_at(self.spec, pointer)
        if not isinstance(schema, dict) or "default" not in schema:
            return False
        value = schema["default"]
        where = f"{pointer}/default"
        if isinstance(value, (dt.date, dt.datetime)):
            schema["default"] = value.isoformat()
            self.report.warn(
                where,
                f"default {value.isoformat()} is an unquoted YAML date: read as the string "
                f"{value.isoformat()!r} (quote it in the spec)",
            )
        else:
            del schema["default"]
            self.report.warn(
                where, f"default {quoted(value)} does not fit its schema ({message}): not used"
            )
        return True

    def path_parameter(self, pointer: str) -> bool:
        """A path parameter without ``required: true`` (reached through a reference)."""
        param = node_at(self.spec, pointer)
        if (
            isinstance(param, dict)
            and param.get("in") == "path"
            and param.get("required") is not True
        ):
            param["required"] = True
            self.report.warn(
                pointer, "a path parameter is always required: 'required: true' assumed"
            )
            return True
        return False

    def info(self, pointer: str, message: str) -> bool:
        """``info`` is only documentation: a field in it that is wrong is replaced or dropped."""
        tokens = parse_pointer(pointer)
        info = self.spec.get("info")
        if not isinstance(info, dict):
            self.spec["info"] = {"title": "", "version": ""}
            self.report.warn("/info", f"{message}: the API's info is left empty")
            return True
        key = tokens[1] if len(tokens) > 1 else None
        if key in ("title", "version") and key in info:
            info[key] = "" if info[key] is None else str(info[key])
            self.report.warn(pointer, f"{message}: read as {info[key]!r}")
        elif key is not None and key in info:
            del info[key]
            self.report.warn(pointer, f"{message}: info.{key} ignored")
        elif "title" not in info or "version" not in info:
            info.setdefault("title", "")
            info.setdefault("version", "")
            self.report.warn(pointer, f"{message}: left empty")
        else:
            return False
        return True

    def reference(self, where: str, message: str) -> bool:
        """A reference that leads nowhere (or outside the file) is cut at its holder."""
        tokens = parse_pointer(where)
        if len(tokens) >= 3 and tokens[-3:-1] == ["discriminator", "mapping"]:
            mapping = node_at(self.spec, to_pointer(tokens[:-1]))
            if isinstance(mapping, dict):
                mapping.pop(tokens[-1], None)
                self.report.warn(where, f"{message}: this mapping is ignored")
                return True
            return False
        holder_tokens = tokens[:-1]
        holder = node_at(self.spec, to_pointer(holder_tokens))
        if _is_schema_place(holder_tokens) and isinstance(holder, dict):
            kept = {
                k: holder[k] for k in ("description", "title") if isinstance(holder.get(k), str)
            }
            holder.clear()
            holder.update(kept)
            self.report.warn(where, f"{message}: read as any value")
            return True
        return self.degrade(where, message)

    def description(self, pointer: str, message: str) -> bool:
        """A missing ``description`` (required on responses) is only documentation: empty."""
        node = node_at(self.spec, pointer)
        if message != "'description' is a required property" or not isinstance(node, dict):
            return False
        node["description"] = ""
        self.report.warn(pointer, f"{message}: read as empty")
        return True

    def schema(self, pointer: str, message: str) -> bool:
        """A schema the validator refuses is read as any value: only that (sub-)schema."""
        tokens = enclosing_schema(parse_pointer(pointer))
        holder = node_at(self.spec, to_pointer(tokens)) if tokens is not None else MISSING
        if tokens is None or not isinstance(holder, (dict, bool)) or holder in ({}, True):
            return False
        parent = node_at(self.spec, to_pointer(tokens[:-1]))
        kept = (
            {k: holder[k] for k in ("description", "title") if isinstance(holder.get(k), str)}
            if isinstance(holder, dict)
            else {}
        )
        if isinstance(parent, dict):
            parent[tokens[-1]] = kept
        elif isinstance(parent, list):
            parent[int(tokens[-1])] = kept
        else:
            return False
        self.report.warn(pointer, f"{message}: this schema is read as any value")
        return True

    def degrade(self, pointer: str, message: str) -> bool:
        """Leave out the smallest thing enclosing ``pointer``; False when that is the spec."""
        tokens = parse_pointer(pointer)
        if tokens[:1] == ["paths"] and len(tokens) >= 3:
            operation = _operation_tokens(tokens)
            if operation is not None:
                return self._drop_operation(operation, pointer, message)
        if tokens[:1] == ["paths"] and len(tokens) >= 2:
            return self._drop_path(tokens[1], pointer, message)
        if tokens[:2] == ["components", "schemas"] and len(tokens) >= 3:
            schemas = self.spec["components"]["schemas"]
            schemas[tokens[2]] = {}
            self.report.warn(pointer, f"{message}: schema {tokens[2]!r} read as any value")
            return True
        if tokens[:1] == ["components"] and len(tokens) >= 3:
            section = self.spec["components"][tokens[1]]
            section.pop(tokens[2], None)
            self.report.warn(pointer, f"{message}: {tokens[1]} {tokens[2]!r} left out")
            return True
        if tokens and (tokens[0] in _OPTIONAL_SECTIONS or tokens[0].startswith("x-")):
            self.spec.pop(tokens[0], None)
            self.report.warn(pointer, f"{message}: {tokens[0]!r} ignored")
            return True
        if tokens[:1] == ["info"] or (not tokens and "'info'" in message):
            return self.info(pointer if tokens else "/info", message)
        if not tokens and "'paths' is a required property" in message:
            self.spec["paths"] = {}
            self.report.warn("/paths", f"{message}: read as no operations")
            return True
        return False

    def _drop_operation(self, tokens: list[str], pointer: str, message: str) -> bool:
        holder = node_at(self.spec, to_pointer(tokens[:-1]))
        if not isinstance(holder, dict) or tokens[-1] not in holder:
            return False
        del holder[tokens[-1]]
        self.operations_removed += 1
        self.report.warn(pointer, f"operation skipped: {message}")
        return True

    def _drop_path(self, path: str, pointer: str, message: str) -> bool:
        paths = self.spec["paths"]
        item = paths.pop(path, None)
        count = len(list(self._operations_of(item, ""))) if isinstance(item, dict) else 0
        self.operations_removed += count
        self.report.warn(pointer, f"{message}: path {path!r} skipped ({count} operations)")
        return True

    def extension(self, pointer: str, message: str) -> bool:
        """A malformed specgen extension is ignored: the operation works without it."""
        tokens = parse_pointer(pointer)
        index = next((i for i, t in enumerate(tokens) if t.startswith("x-")), None)
        if index is None:
            return False
        holder = node_at(self.spec, to_pointer(tokens[:index]))
        if not isinstance(holder, dict):
            return False
        holder.pop(tokens[index], None)
        self.report.warn(pointer, f"{message}: {tokens[index]} ignored")
        return True


def _operation_tokens(tokens: list[str]) -> list[str] | None:
    """The tokens of the operation enclosing ``tokens`` (under ``/paths``), if any."""
    if len(tokens) >= 3 and tokens[2] in FIXED_METHODS:
        return tokens[:3]
    if len(tokens) >= 4 and tokens[2] == "additionalOperations":
        return tokens[:4]
    return None


_SCHEMA_TOKENS = {"schema", "itemSchema", "schemas"}
_SUBSCHEMA_MAPS = {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
_SUBSCHEMA_LISTS = {"allOf", "anyOf", "oneOf", "prefixItems"}
_SUBSCHEMAS = {
    "items", "additionalProperties", "not", "contains", "if", "then", "else",
    "unevaluatedProperties", "unevaluatedItems", "propertyNames",
}  # fmt: skip


def enclosing_schema(tokens: list[str]) -> list[str] | None:
    """The tokens of the smallest schema enclosing ``tokens``, or None outside any schema.

    A schema starts at a component schema or after a ``schema`` (``itemSchema``) key, and goes
    down through subschema keywords (``properties/<name>``, ``items``, ``allOf/<i>``...).
    """
    roots = [i + 1 for i, t in enumerate(tokens) if t in ("schema", "itemSchema")]
    if tokens[:2] == ["components", "schemas"] and len(tokens) >= 3:
        roots.append(3)
    if not roots:
        return None
    end = position = max(roots)
    while position < len(tokens):
        token = tokens[position]
        if token in _SUBSCHEMA_MAPS | _SUBSCHEMA_LISTS and position + 1 < len(tokens):
            position += 2
        elif token in _SUBSCHEMAS:
            position += 1
        else:
            break
        end = position
    return tokens[:end]


def _is_schema_place(tokens: list[str]) -> bool:
    """Whether the node at ``tokens`` is a schema (so that ``{}``, any value, can stand in)."""
    return any(token in _SCHEMA_TOKENS for token in tokens[:-1]) or (
        bool(tokens) and tokens[-1] in ("schema", "itemSchema")
    )
