"""Pathways by id and version: the one place the rest of Fascia gets a pathway from.

A record made under a pathway stores the pathway's id, its version and the SHA-256
of its file (`PathwayFile`), so that the pathway it was made under can be found and
checked years later. So every version stays loadable: when a pathway changes, its
file gets the next `version`, and the old file moves unchanged into a subfolder of
the definitions folder (`definitions/superseded/`). The registry reads every
`*.yaml` under its folders and knows each by the file's own `id` and `version`.

Nothing is read until the registry is first asked. Then every file is indexed (its
id, version and hash: the top of the file only), and each pathway is checked and
loaded when it is first asked for, then kept.

    pathway = REGISTRY.current("piriformis-dry-needling")
    stored = REGISTRY.entry("piriformis-dry-needling")     # id, version, sha256 to store
    REGISTRY.get(stored.id, stored.version, sha256=stored.sha256)   # the same pathway later
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from fascia.pathways.check import DEFINITIONS_DIR, CheckResult, PathwayError, check_file, check_text
from fascia.pathways.consistency import Problem
from fascia.pathways.models import Pathway


@dataclass(frozen=True)
class PathwayFile:
    """One version of a pathway: what a record stores (id, version, sha256), and its file."""

    id: str
    version: int
    sha256: str
    path: Path


class UnknownPathway(LookupError):
    """No pathway file has this id (and version)."""


class PathwayMismatch(ValueError):
    """The file of this id and version is not the one whose SHA-256 was stored."""


class Registry:
    """The pathway files under some folders (and their subfolders), by id and version."""

    def __init__(self, *folders: str | Path) -> None:
        self.folders = tuple(Path(folder) for folder in folders)
        self._lock = threading.RLock()
        self._files: dict[tuple[str, int], PathwayFile] | None = None
        self._texts: dict[tuple[str, int], str] = {}
        self._pathways: dict[tuple[str, int], Pathway] = {}

    def files(self) -> tuple[Path, ...]:
        """Every pathway file under the folders, sorted."""
        return tuple(sorted(path for folder in self.folders for path in folder.rglob("*.yaml")))

    def entries(self) -> tuple[PathwayFile, ...]:
        """Every pathway file, by id then version."""
        return tuple(file for _, file in sorted(self._index().items()))

    def versions(self, pathway_id: str) -> tuple[int, ...]:
        """The versions of this pathway, oldest first; UnknownPathway if there are none."""
        found = tuple(sorted(v for i, v in self._index() if i == pathway_id))
        if not found:
            raise UnknownPathway(f"there is no pathway '{pathway_id}'")
        return found

    def entry(self, pathway_id: str, version: int | None = None) -> PathwayFile:
        """This version of a pathway, or its current (highest) version when none is given."""
        if version is None:
            version = self.versions(pathway_id)[-1]
        found = self._index().get((pathway_id, version))
        if found is None:
            raise UnknownPathway(f"there is no pathway '{pathway_id}' version {version}")
        return found

    def get(
        self, pathway_id: str, version: int | None = None, *, sha256: str | None = None
    ) -> Pathway:
        """The pathway of this id and version (current when none is given).

        With `sha256`, the file must be the one with that hash (PathwayMismatch if not):
        pass what a record stored to read it under exactly the pathway it was made under.
        A file with problems raises PathwayError listing them.
        """
        file = self.entry(pathway_id, version)
        if sha256 is not None and not _same_hash(file.sha256, sha256):
            raise PathwayMismatch(
                f"{file.path}: {file.id} v{file.version} has SHA-256 {file.sha256}, "
                f"not {sha256}: the file was changed after records were made under it"
            )
        key = (file.id, file.version)
        with self._lock:
            if key not in self._pathways:
                self._pathways[key] = _load(file, self._texts[key])
                del self._texts[key]
            return self._pathways[key]

    def current(self, pathway_id: str) -> Pathway:
        """The highest version of this pathway."""
        return self.get(pathway_id)

    def sha256(self, pathway_id: str, version: int) -> str:
        """The SHA-256 (hex) of the file of this version, as a record stores it."""
        return self.entry(pathway_id, version).sha256

    def verify(self, pathway_id: str, version: int, sha256: str) -> bool:
        """Whether this version's file has this SHA-256; UnknownPathway if there is no such file."""
        return _same_hash(self.sha256(pathway_id, version), sha256)

    def check(self) -> list[CheckResult]:
        """Check every file, as `check_file` does, and that no two share an id and version."""
        results = [check_file(path) for path in self.files()]
        first: dict[tuple[str, int], Path] = {}
        for position, result in enumerate(results):
            if result.pathway is None:
                continue
            key = (result.pathway.id, result.pathway.version)
            if key in first:
                problem = Problem("version", _duplicate(key, first[key]))
                results[position] = replace(result, problems=(*result.problems, problem))
            else:
                first[key] = result.path
        return results

    def _index(self) -> dict[tuple[str, int], PathwayFile]:
        with self._lock:
            if self._files is None:
                files: dict[tuple[str, int], PathwayFile] = {}
                texts: dict[tuple[str, int], str] = {}
                for path in self.files():
                    file, text = _index_file(path)
                    key = (file.id, file.version)
                    if key in files:
                        raise PathwayError(
                            str(path), [Problem("version", _duplicate(key, files[key].path))]
                        )
                    files[key], texts[key] = file, text
                self._texts = texts
                self._files = files
            return self._files


REGISTRY = Registry(DEFINITIONS_DIR)
"""The pathways Fascia ships: `fascia/pathways/definitions/` and its subfolders."""


def _index_file(path: Path) -> tuple[PathwayFile, str]:
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PathwayError(str(path), [Problem("", f"cannot read the file: {error}")]) from error
    found = _id_and_version(text)
    if found is None:
        pathway, problems = check_text(text)
        if pathway is None:
            raise PathwayError(str(path), problems)
        found = pathway.id, pathway.version
    return PathwayFile(found[0], found[1], hashlib.sha256(data).hexdigest(), path), text


def _load(file: PathwayFile, text: str) -> Pathway:
    pathway, problems = check_text(text)
    if pathway is None or problems:
        raise PathwayError(str(file.path), problems)
    if (pathway.id, pathway.version) != (file.id, file.version):
        read = f"{pathway.id} v{pathway.version}, not {file.id} v{file.version}"
        raise PathwayError(str(file.path), [Problem("version", f"the file is {read}")])
    return pathway


def _id_and_version(text: str) -> tuple[str, int] | None:
    """The top-level `id` and `version`, read from the events up to them (the file's top).

    None when they are not plainly written there; the caller then reads the whole file.
    """
    found: dict[str, tuple[str, str | None]] = {}
    depth = 0
    key: str | None = None
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                if depth == 1 and key is None:
                    return None  # a collection as a key: not a pathway file's shape
                depth += 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
                key = None
            elif depth == 1 and isinstance(event, yaml.ScalarEvent | yaml.AliasEvent):
                if key is None:
                    key = event.value if isinstance(event, yaml.ScalarEvent) else ""
                    continue
                if key in ("id", "version") and isinstance(event, yaml.ScalarEvent):
                    found.setdefault(key, (event.value, event.style))
                key = None
                if len(found) == 2:
                    break
    except yaml.YAMLError:
        return None
    pathway_id, version = found.get("id"), found.get("version")
    if pathway_id is None or version is None or version[1] is not None:
        return None
    if not re.fullmatch(r"[1-9][0-9]*", version[0]):
        return None
    return pathway_id[0], int(version[0])


def _duplicate(key: tuple[str, int], other: Path) -> str:
    return f"{key[0]} v{key[1]} is also defined in {other}: each version needs its own number"


def _same_hash(known: str, given: str) -> bool:
    return known == given.strip().lower()
