"""Reading SCIM PATCH operations (RFC 7644 §3.5.2) the way Okta and Entra ID send them.

Each operation becomes ``(op, path, value)`` with ``path`` lower-cased and without schema prefix,
e.g. ``("replace", "active", False)``, ``("add", "members", [{"value": "7"}])``,
``("remove", 'members[value eq "7"]', None)``. An operation without a path whose value is an object
becomes one operation per key, as the RFC allows.
"""

import re

from django_scim.exceptions import BadRequestError

OPS = ("add", "remove", "replace")
CORE_PREFIXES = (
    "urn:ietf:params:scim:schemas:core:2.0:user:",
    "urn:ietf:params:scim:schemas:core:2.0:group:",
)
# attr, attr.sub, urn:…:attr, attr[filter], attr[filter].sub — brackets and quotes balanced.
_PATH = re.compile(
    r'^[a-z0-9:._$-]+(\[[a-z0-9._]+ [a-z]{2} ("[^"]*"|true|false|[0-9.]+)\](\.[a-z0-9_$]+)?)?$'
)
_VALUE_FILTER = re.compile(r'^(?P<attr>[a-z]+)\[value eq "(?P<value>[^"]*)"\]$')


def operations(body: list) -> list[tuple[str, str, object]]:
    if not isinstance(body, list) or not body:
        raise BadRequestError("A PATCH needs a non-empty Operations list.", scim_type="invalidSyntax")
    result = []
    for operation in body:
        if not isinstance(operation, dict):
            raise BadRequestError("Each operation must be an object.", scim_type="invalidSyntax")
        op = str(operation.get("op", "")).lower()
        if op not in OPS:
            raise BadRequestError(f"Unknown PATCH op {operation.get('op')!r}.", scim_type="invalidSyntax")
        path = operation.get("path")
        value = operation.get("value")
        if not path:
            if op == "remove":
                raise BadRequestError('"remove" needs a path.', scim_type="noTarget")
            if not isinstance(value, dict):
                raise BadRequestError("Without a path the value must be an object.", scim_type="invalidValue")
            result.extend((op, _clean(key), item) for key, item in value.items())
        else:
            if not isinstance(path, str):
                raise BadRequestError('"path" must be a string.', scim_type="invalidPath")
            path = _clean(path)
            if not _PATH.match(path):
                raise BadRequestError(
                    f"Cannot read the path {operation.get('path')!r}.", scim_type="invalidPath"
                )
            result.append((op, path, value))
    return result


def text(value, *, name: str) -> str:
    """A string attribute's value (null is empty); any other type is a 400."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadRequestError(f'"{name}" must be a string.', scim_type="invalidValue")
    return value


def _clean(path: str) -> str:
    path = path.strip().lower()
    for prefix in CORE_PREFIXES:
        if path.startswith(prefix):
            return path[len(prefix) :]
    return path


def value_filter(path: str) -> tuple[str, str] | None:
    """``members[value eq "7"]`` → ("members", "7"); None for any other path."""
    match = _VALUE_FILTER.match(path)
    return (match["attr"], match["value"]) if match else None


def boolean(value, *, name: str) -> bool:
    """A SCIM boolean; Entra ID has sent ``"True"``/``"False"`` as strings."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise BadRequestError(f'"{name}" must be true or false.', scim_type="invalidValue")


def ids(value, *, name: str = "members") -> list[int]:
    """The ``value`` of each ``{"value": "<id>"}`` in a members list, as numbers."""
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise BadRequestError(f'"{name}" must be a list of {{"value": id}}.', scim_type="invalidValue")
    found = []
    for item in value:
        raw = item.get("value") if isinstance(item, dict) else None
        if not str(raw or "").isdigit() or len(str(raw)) > 18:
            raise BadRequestError(f"Unknown {name} id {raw!r}.", scim_type="invalidValue")
        found.append(int(raw))
    return found
