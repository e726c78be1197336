"""Comparison of security: operation requirements and `components/securitySchemes`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, TypeAlias

from generator.diff._extensions import diff_flow_extensions
from generator.diff._model import Change, as_mapping, breaking, join, safe
from generator.diff._normalise import Document
from generator.diff._operation import Operation

Requirement: TypeAlias = frozenset[tuple[str, frozenset[str]]]


def _requirements(spec: Mapping[str, Any], operation: Mapping[str, Any]) -> frozenset[Requirement]:
    """Return the effective security alternatives; no requirement is the empty alternative."""
    raw = operation["security"] if "security" in operation else spec.get("security")
    alternatives = {
        frozenset(
            (str(name), frozenset(map(str, scopes or ()))) for name, scopes in as_mapping(r).items()
        )
        for r in raw or ()
    }
    return frozenset(alternatives or {frozenset()})


def diff_operation_security(op: Operation) -> Iterator[Change]:
    """Compare the effective security of an operation (its own, or the spec's)."""
    old = _requirements(op.old_doc.spec, op.old_op)
    new = _requirements(op.new_doc.spec, op.new_op)
    if old == new:
        return
    location = join(op.new_at, "security")
    if old <= new:
        message = (
            f"{op.label}: security gained alternatives; every old way to authenticate still works."
        )
        yield safe("operation-security-alternative-added", location, message)
        return
    message = (
        f"{op.label}: security requirement changed from {_show_requirements(old)} to "
        f"{_show_requirements(new)}: the client's credentials may no longer be accepted."
    )
    yield breaking("operation-security-changed", location, message)


def _show_requirements(alternatives: frozenset[Requirement]) -> str:
    def one(requirement: Requirement) -> str:
        if not requirement:
            return "none"
        parts = sorted(f"{n}[{','.join(sorted(s))}]" if s else n for n, s in requirement)
        return " + ".join(parts)

    return " or ".join(sorted(one(r) for r in alternatives))


def _security_schemes(doc: Document) -> dict[str, Mapping[str, Any]]:
    schemes = as_mapping(as_mapping(doc.spec.get("components")).get("securitySchemes"))
    return {str(name): doc.deref(scheme) for name, scheme in schemes.items()}


def diff_security_schemes(old_doc: Document, new_doc: Document) -> Iterator[Change]:
    """Compare `components/securitySchemes` by name."""
    old, new = _security_schemes(old_doc), _security_schemes(new_doc)
    base = "/components/securitySchemes"
    for name in sorted(old.keys() - new.keys()):
        message = (
            f"Security scheme {name} was removed: clients configured for it cannot authenticate."
        )
        yield breaking("security-scheme-removed", join(base, name), message)
    for name in sorted(new.keys() - old.keys()):
        yield safe("security-scheme-added", join(base, name), f"Security scheme {name} was added.")
    for name in sorted(old.keys() & new.keys()):
        yield from _diff_security_scheme(name, old[name], new[name], join(base, name))


def _scheme_identity(scheme: Mapping[str, Any]) -> tuple[str, str]:
    kind = str(scheme.get("type", ""))
    detail = str(scheme.get("scheme", "")).lower() if kind == "http" else ""
    return kind, detail


def _diff_security_scheme(
    name: str, old: Mapping[str, Any], new: Mapping[str, Any], location: str
) -> Iterator[Change]:
    """Compare one scheme: kind, key location, OpenID and OAuth2 flow details."""
    if _scheme_identity(old) != _scheme_identity(new):
        before, after = (
            "/".join(filter(None, _scheme_identity(old))),
            "/".join(filter(None, _scheme_identity(new))),
        )
        why = "clients authenticate the old way"
        message = f"Security scheme {name} changed type from {before} to {after}: {why}."
        yield breaking("security-scheme-type-changed", location, message)
        return
    if (old.get("in"), old.get("name")) != (new.get("in"), new.get("name")):
        place = f"{new.get('in')} `{new.get('name')}`"
        message = (
            f"Security scheme {name} now expects its key in {place}: clients send it elsewhere."
        )
        yield breaking("security-scheme-location-changed", location, message)
    if old.get("openIdConnectUrl") != new.get("openIdConnectUrl"):
        yield _url_changed(name, "openIdConnectUrl", join(location, "openIdConnectUrl"))
    yield from _diff_flows(
        name, as_mapping(old.get("flows")), as_mapping(new.get("flows")), location
    )


def _url_changed(scheme: str, key: str, location: str) -> Change:
    message = f"Security scheme {scheme}: {key} changed: clients fetch tokens from the old address."
    return breaking("security-scheme-url-changed", location, message)


def _diff_flows(
    name: str, old: Mapping[str, Any], new: Mapping[str, Any], location: str
) -> Iterator[Change]:
    for flow in sorted(old.keys() - new.keys()):
        why = "clients using it cannot get tokens"
        message = f"Security scheme {name}: OAuth2 flow {flow} was removed: {why}."
        yield breaking("security-scheme-flow-removed", join(location, "flows", flow), message)
    for flow in sorted(new.keys() - old.keys()):
        message = f"Security scheme {name}: OAuth2 flow {flow} was added."
        yield safe("security-scheme-flow-added", join(location, "flows", flow), message)
    for flow in sorted(old.keys() & new.keys()):
        at = join(location, "flows", flow)
        yield from _diff_flow(name, as_mapping(old[flow]), as_mapping(new[flow]), at)


def _diff_flow(
    name: str, old: Mapping[str, Any], new: Mapping[str, Any], location: str
) -> Iterator[Change]:
    for key in ("tokenUrl", "authorizationUrl", "refreshUrl"):
        if old.get(key) != new.get(key):
            yield _url_changed(name, key, join(location, key))
    old_scopes, new_scopes = as_mapping(old.get("scopes")), as_mapping(new.get("scopes"))
    for scope in sorted(old_scopes.keys() - new_scopes.keys()):
        message = (
            f"Security scheme {name}: scope {scope} was removed: clients requesting it are refused."
        )
        yield breaking("security-scheme-scope-removed", join(location, "scopes", scope), message)
    for scope in sorted(new_scopes.keys() - old_scopes.keys()):
        message = f"Security scheme {name}: scope {scope} was added."
        yield safe("security-scheme-scope-added", join(location, "scopes", scope), message)
    yield from diff_flow_extensions(name, old, new, location)
