"""`diff_specs`: walk servers, security schemes, paths and operations of two specs."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from generator.diff._extensions import diff_operation_extensions
from generator.diff._model import Change, as_mapping, breaking, join, safe, sort_key
from generator.diff._normalise import Document
from generator.diff._operation import (
    Operation,
    diff_parameters,
    diff_request_body,
    diff_responses,
)
from generator.diff._security import diff_operation_security, diff_security_schemes
from generator.rawspec import HTTP_METHODS

_TEMPLATE = re.compile(r"\{[^}/]*\}")


def diff_specs(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Compare two loaded OpenAPI 3.0/3.1 documents and classify every change for a client.

    The result is sorted (breaking first, then flagged, then by location) and free of
    duplicates, so it can be rendered or compared as is.
    """
    old_doc, new_doc = Document(old), Document(new)
    changes = [
        *_diff_servers(old, new),
        *diff_security_schemes(old_doc, new_doc),
        *_diff_paths(old_doc, new_doc),
    ]
    return sorted(set(changes), key=sort_key)


def _path_key(path: str) -> str:
    """Paths that differ only by template parameter names are the same endpoint."""
    return _TEMPLATE.sub("{}", path).rstrip("/") or "/"


def _paths(doc: Document) -> dict[str, tuple[str, Mapping[str, Any]]]:
    paths = as_mapping(doc.spec.get("paths"))
    return {_path_key(path): (path, doc.deref(item)) for path, item in paths.items()}


def _operations(item: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {m: item[m] for m in HTTP_METHODS if isinstance(item.get(m), Mapping)}


def _diff_paths(old_doc: Document, new_doc: Document) -> Iterator[Change]:
    """Report removed paths, operations of new paths, and compare common paths."""
    old_paths, new_paths = _paths(old_doc), _paths(new_doc)
    for key in sorted(old_paths.keys() - new_paths.keys()):
        path = old_paths[key][0]
        why = "every client method for it fails"
        yield breaking("path-removed", join("/paths", path), f"Path {path} was removed: {why}.")
    for key in sorted(new_paths.keys() - old_paths.keys()):
        path, item = new_paths[key]
        for method in _operations(item):
            yield _operation_added(path, method)
    for key in sorted(old_paths.keys() & new_paths.keys()):
        yield from _diff_path_item(old_doc, new_doc, old_paths[key], new_paths[key])


def _operation_added(path: str, method: str) -> Change:
    message = f"{method.upper()} {path} was added; existing clients are unaffected."
    return safe("operation-added", join("/paths", path, method), message)


def _diff_path_item(
    old_doc: Document,
    new_doc: Document,
    old: tuple[str, Mapping[str, Any]],
    new: tuple[str, Mapping[str, Any]],
) -> Iterator[Change]:
    (old_path, old_item), (new_path, new_item) = old, new
    old_ops, new_ops = _operations(old_item), _operations(new_item)
    for method in sorted(old_ops.keys() - new_ops.keys()):
        location = join("/paths", old_path, method)
        message = f"{method.upper()} {old_path} was removed: the client method for it fails."
        yield breaking("operation-removed", location, message)
    for method in sorted(new_ops.keys() - old_ops.keys()):
        yield _operation_added(new_path, method)
    for method in sorted(old_ops.keys() & new_ops.keys()):
        op = Operation(
            old_doc, new_doc, old_item, new_item, old_ops[method], new_ops[method],
            join("/paths", old_path, method), join("/paths", new_path, method),
            f"{method.upper()} {new_path}",
        )  # fmt: skip
        yield from _diff_operation(op)
        yield from diff_operation_extensions(
            op.label, method, op.old_at, op.new_at, op.old_op, op.new_op
        )


def _diff_operation(op: Operation) -> Iterator[Change]:
    """Compare one operation present in both specs, part by part."""
    yield from _diff_operation_meta(op)
    yield from diff_parameters(op)
    yield from diff_request_body(op)
    yield from diff_responses(op)
    yield from diff_operation_security(op)


def _diff_operation_meta(op: Operation) -> Iterator[Change]:
    old_id, new_id = op.old_op.get("operationId"), op.new_op.get("operationId")
    if old_id and new_id and old_id != new_id:
        why = "the generated client method is renamed"
        message = f"{op.label}: operationId changed from {old_id} to {new_id}: {why}."
        yield breaking("operation-id-changed", join(op.new_at, "operationId"), message)
    if op.new_op.get("deprecated") is True and op.old_op.get("deprecated") is not True:
        message = f"{op.label} is now deprecated; plan to move clients off it."
        yield safe("operation-deprecated", join(op.new_at, "deprecated"), message, flagged=True)


# Servers ----------------------------------------------------------------------------------


def _servers(spec: Mapping[str, Any]) -> dict[str, int]:
    """Return server URLs (without a trailing slash) and their index in `servers`."""
    servers = spec.get("servers") or ()
    urls = {str(as_mapping(s).get("url", "")).rstrip("/"): i for i, s in enumerate(servers)}
    return {url: i for url, i in urls.items() if url}


def _diff_servers(old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterator[Change]:
    """Compare top-level servers by URL; order does not matter."""
    old_servers, new_servers = _servers(old), _servers(new)
    for url in sorted(old_servers.keys() - new_servers.keys()):
        message = f"Server {url} was removed: clients configured with it lose their endpoint."
        yield breaking("server-removed", join("/servers", old_servers[url]), message)
    for url in sorted(new_servers.keys() - old_servers.keys()):
        message = f"Server {url} was added."
        yield safe("server-added", join("/servers", new_servers[url]), message)
