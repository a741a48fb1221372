"""Every URL pattern of the project, walked from the URL configuration (for the tests that
request each one: the access table, the strict Content-Security-Policy)."""

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Pattern:
    """One URL pattern: its name (`namespace:name`, or its route when it has none), its
    route as written, and the parameters and converters in it."""

    key: str
    route: str
    named: bool
    parameters: dict[str, str]
    """Parameter name: converter name (`int`, `str`, …; `re` for a regular expression)."""


def walk(patterns, prefix: str = "", namespaces: tuple[str, ...] = ()) -> Iterator[Pattern]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = namespaces + ((entry.namespace,) if entry.namespace else ())
            yield from walk(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern):
            yield Pattern(
                key=":".join((*namespaces, entry.name)) if entry.name else route,
                route=route,
                named=entry.name is not None,
                parameters=_parameters(route),
            )


def _parameters(route: str) -> dict[str, str]:
    found = {
        name: converter or "str" for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", route)
    }
    found.update(dict.fromkeys(re.findall(r"\(\?P<(\w+)>", route), "re"))
    return found


def all_patterns() -> list[Pattern]:
    return list(walk(get_resolver().url_patterns))
