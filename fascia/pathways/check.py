"""Reading and checking pathway files: YAML, then schema, then consistency.

`check_file` reports every problem it can find, each with the path to the entry.
`load_pathway` returns a pathway only when there is none, so the engine never
runs on a file that a reviewer could not trust.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from fascia.pathways.consistency import Problem, consistency_problems
from fascia.pathways.models import Pathway
from fascia.pathways.rules import CONDITION_TAGS

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"


class PathwayError(ValueError):
    """A pathway file with problems; `problems` lists them all."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{source}: {len(self.problems)} problem(s)\n{lines}")


@dataclass(frozen=True)
class CheckResult:
    path: Path
    pathway: Pathway | None
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        """What the command line prints: one line per problem, or one OK line."""
        if self.pathway is not None and self.ok:
            return [f"OK: {self.path} ({self.pathway.id} v{self.pathway.version})"]
        return [f"{self.path}: {problem}" for problem in self.problems]


def load_pathway(path: str | Path) -> Pathway:
    """The pathway in this file; PathwayError listing every problem if it has any."""
    result = check_file(path)
    if result.pathway is None or result.problems:
        raise PathwayError(str(path), result.problems)
    return result.pathway


def check_file(path: str | Path) -> CheckResult:
    """Read and check one pathway file."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return CheckResult(file, None, (Problem("", f"cannot read the file: {error}"),))
    pathway, problems = check_text(text)
    return CheckResult(file, pathway, tuple(problems))


def check_text(text: str) -> tuple[Pathway | None, list[Problem]]:
    """Check the YAML text of a pathway."""
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        return None, [Problem(where, f"not valid YAML: {problem}")]
    return check_data(data)


def check_data(data: object) -> tuple[Pathway | None, list[Problem]]:
    """Check already-parsed pathway data (a mapping, as read from YAML)."""
    if not isinstance(data, dict):
        return None, [Problem("", "a pathway file must be a mapping of keys (id, version, …)")]
    try:
        pathway = Pathway.model_validate(data)
    except ValidationError as error:
        return None, schema_problems(error, data)
    return pathway, consistency_problems(pathway)


def schema_problems(error: ValidationError, data: object) -> list[Problem]:
    """One problem per offending entry, its path spelt as in the file, with ids."""
    merged: dict[str, list[str]] = {}
    for detail in error.errors():
        path = _entry_path(data, detail["loc"])
        message = _message(detail)
        if message not in merged.setdefault(path, []):
            merged[path].append(message)
    return [Problem(path, "; or ".join(messages)) for path, messages in merged.items()]


def _entry_path(data: object, loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    node: Any = data
    for position, key in enumerate(loc):
        last = position == len(loc) - 1
        if isinstance(key, int) and isinstance(node, list) and 0 <= key < len(node):
            node = node[key]
            entry_id = node.get("id") if isinstance(node, dict) else None
            parts.append(f"[{key}]" + (f" ({entry_id})" if isinstance(entry_id, str) else ""))
        elif isinstance(node, dict) and key in node:
            parts.append(f".{key}")
            node = node[key]
        elif key in CONDITION_TAGS:
            continue
        elif isinstance(node, dict) and last:
            parts.append(f".{key}")
        elif isinstance(key, int):
            parts.append(f"[{key}]")
            node = None
        # Anything else names a member of a type union, not an entry: leave it out.
    return "".join(parts).lstrip(".")


def _message(detail: Any) -> str:
    kind = detail["type"]
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        return "unknown key (check the spelling against the other entries)"
    message = str(detail["msg"]).removeprefix("Value error, ")
    value = detail.get("input")
    if isinstance(value, str | int | float | bool) and kind != "condition":
        message += f" (got {value!r})"
    return message


class _StrictLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a key written twice in one mapping."""


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Hashable] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if isinstance(key, Hashable):
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"the key {key!r} is written twice",
                    key_node.start_mark,
                )
            seen.add(key)
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _mapping_without_duplicates,
)
