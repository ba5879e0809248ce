"""Engine property values as plain data: proxies unwrapped, unknown (preview) values marked,
Cloudflare's quoted TXT form turned back into the logical value."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# _DictProxy/_ListProxy are pulumi_policy's unknown-checking wrappers; its own serializer
# unwraps them through "__target" exactly as plain() does.
from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
    _DictProxy,
    _ListProxy,
)

_UNKNOWN = object()
_UNKNOWN_SENTINELS = frozenset(
    {
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_OBJECT_VALUE,
        UNKNOWN_STRING_VALUE,
    }
)
_CLOUDFLARE_TXT_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def plain(value: Any) -> Any:
    """A plain copy of a property value, with unknown values replaced by a marker.

    Accepts the analyzer's unknown-checking proxies and plain data. Proxies are unwrapped the
    way pulumi_policy's own serializer does it (their ``"__target"``), and the engine's
    unknown sentinels are checked here, which is many times cheaper than letting each access
    raise: stack policies read every resource of the stack.
    """
    if isinstance(value, str):
        return _UNKNOWN if value in _UNKNOWN_SENTINELS else value
    if isinstance(value, _DictProxy | _ListProxy):
        value = value["__target"]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, Mapping):  # any other mapping: read it through its interface
        result: dict[str, Any] = {}
        for key in value:
            try:
                result[str(key)] = plain(value[key])
            except UnknownValueError:
                result[str(key)] = _UNKNOWN
        return result
    return value


def is_unknown(value: object) -> bool:
    return value is _UNKNOWN


def logical_txt(content: str) -> str:
    """The logical value of TXT content in Cloudflare's quoted, chunked form.

    ``"v=DKIM1; k=rsa; p=MIIB…" "…AQAB"`` → the strings joined with no separator (RFC 7208
    §3.3, RFC 6376 §3.6.2.2). Unquoted content is returned as it is.
    """
    text = content.strip()
    if not text.startswith('"'):
        return content
    parts = _CLOUDFLARE_TXT_STRING.findall(text)
    if not parts or _CLOUDFLARE_TXT_STRING.sub("", text).strip():
        return content  # not only quoted strings: take it literally
    return "".join(re.sub(r"\\(.)", r"\1", part) for part in parts)
