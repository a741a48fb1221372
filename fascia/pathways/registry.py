"""Pathways by id and version: the one place the rest of Fascia gets a pathway from.

A record made under a pathway stores the pathway's id, its version and the SHA-256
of its file (`PathwayFile`), so that the pathway it was made under can be found and
checked years later. So every version stays loadable: when a pathway changes, its
file gets the next `version`, and the old file moves unchanged into a subfolder of
the definitions folder (`definitions/superseded/`). The registry reads every
`*.yaml` under its folders and knows each by the file's own `id` and `version`.

A released version never changes: records are made under it. Each folder may hold
`released.txt`, listing the released versions with the SHA-256 of their files'
bytes. A released version whose file has other bytes (or is gone) is refused by
`entry` and `get`, and reported by `check` and `check_file`: copy the released
file unchanged into `superseded/` and give the edited file the next `version`.
A new version is added to the list when it is released.

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


@dataclass(frozen=True)
class Release:
    """A released version, as `released.txt` lists it (its path and line number)."""

    id: str
    version: int
    sha256: str
    listed_in: Path
    line: int


RELEASED = "released.txt"
"""The list of released versions in a registry folder: `<id> <version> <sha256>` a line."""


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
        self._released: dict[tuple[str, int], Release] | None = None
        self._texts: dict[tuple[str, int], str] = {}
        self._pathways: dict[tuple[str, int], Pathway] = {}

    def files(self) -> tuple[Path, ...]:
        """Every pathway file under the folders, sorted."""
        return tuple(sorted(path for folder in self.folders for path in folder.rglob("*.yaml")))

    def released(self) -> tuple[Release, ...]:
        """The released versions that the folders' `released.txt` list, by id then version.

        A malformed list raises PathwayError naming its lines.
        """
        return tuple(release for _, release in sorted(self._releases().items()))

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
        """This version of a pathway, or its current (highest) version when none is given.

        A released version whose file is not the released one raises PathwayMismatch.
        """
        if version is None:
            version = self.versions(pathway_id)[-1]
        found = self._index().get((pathway_id, version))
        if found is None:
            release = self._releases().get((pathway_id, version))
            if release is not None:
                raise UnknownPathway(_release_gone(release))
            raise UnknownPathway(f"there is no pathway '{pathway_id}' version {version}")
        changed = self._release_changed(found.id, found.version, found.sha256)
        if changed is not None:
            raise PathwayMismatch(f"{found.path}: {changed}")
        return found

    def released_entry(self, pathway_id: str) -> PathwayFile:
        """The newest released version of this pathway: the one new records are made under.

        A draft (a version not yet in `released.txt`) is never returned; UnknownPathway when
        no version of the pathway is released.
        """
        versions = [r.version for r in self.released() if r.id == pathway_id]
        if not versions:
            raise UnknownPathway(f"no version of pathway '{pathway_id}' is released")
        return self.entry(pathway_id, max(versions))

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

    def check_file(self, path: str | Path) -> CheckResult:
        """Check one file as `check_file` does; a file under the folders also against its release.

        A file of a released id and version must have the released bytes. A file
        elsewhere (a draft, a copy) is not compared.
        """
        result = check_file(path)
        pathway = result.pathway
        if pathway is None or not self._holds(Path(path)):
            return result
        try:
            sha256 = hashlib.sha256(Path(path).read_bytes()).hexdigest()
            changed = self._release_changed(pathway.id, pathway.version, sha256)
        except (OSError, PathwayError) as error:
            changed = f"cannot compare the file with its release: {error}"
        if changed is None:
            return result
        return replace(result, problems=(*result.problems, Problem("version", changed)))

    def check(self) -> list[CheckResult]:
        """Check every file, as `check_file` does, and that no two share an id and version.

        Also that each released version still has its file, unchanged, and that the
        `released.txt` lists are well formed (reported against the list).
        """
        try:
            releases = self._releases()
        except PathwayError as error:
            unlisted = [check_file(path) for path in self.files()]
            return [*unlisted, CheckResult(Path(error.source), None, error.problems)]
        results = [self.check_file(path) for path in self.files()]
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
        for key, release in sorted(releases.items()):
            if key not in first:
                problem = Problem(f"line {release.line}", _release_gone(release))
                results.append(CheckResult(release.listed_in, None, (problem,)))
        return results

    def _holds(self, path: Path) -> bool:
        """Whether this file is under one of the folders."""
        resolved = path.resolve()
        return any(resolved.is_relative_to(folder.resolve()) for folder in self.folders)

    def _release_changed(self, pathway_id: str, version: int, sha256: str) -> str | None:
        """What is wrong when this released id and version has a file with other bytes."""
        release = self._releases().get((pathway_id, version))
        if release is None or _same_hash(release.sha256, sha256):
            return None
        later = max(v for i, v in self._releases() if i == pathway_id) + 1
        return (
            f"{pathway_id} v{version} was released with SHA-256 {release.sha256} "
            f"(listed in {release.listed_in.name}, line {release.line}), but this file's is "
            f"{sha256}. Records are made under a released version, so its file never "
            "changes: put the released file back (from version control), copy it unchanged "
            "into definitions/superseded/, and make the change with "
            f"`version: {max(later, version + 1)}`"
        )

    def _releases(self) -> dict[tuple[str, int], Release]:
        with self._lock:
            if self._released is None:
                releases: dict[tuple[str, int], Release] = {}
                for folder in self.folders:
                    listed = folder / RELEASED
                    for release in _read_releases(listed) if listed.is_file() else ():
                        key = (release.id, release.version)
                        if key in releases:
                            also = f"{key[0]} v{key[1]} is also listed in {releases[key].listed_in}"
                            problem = Problem(f"line {release.line}", also)
                            raise PathwayError(str(listed), [problem])
                        releases[key] = release
                self._released = releases
            return self._released

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


def _read_releases(listed: Path) -> list[Release]:
    """The lines of a `released.txt`: `<id> <version> <sha256>`, `#` starting a comment."""
    try:
        text = listed.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PathwayError(str(listed), [Problem("", f"cannot read the file: {error}")]) from error
    releases: list[Release] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, int], int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        if (
            len(fields) != 3
            or not re.fullmatch(r"[1-9][0-9]*", fields[1])
            or not re.fullmatch(r"[0-9a-f]{64}", fields[2])
        ):
            problems.append(
                Problem(
                    f"line {number}",
                    "expected a pathway id, its version (1, 2, …) and the SHA-256 of its "
                    f"file (64 lowercase hex digits), got {line.strip()!r}",
                )
            )
            continue
        key = (fields[0], int(fields[1]))
        if key in seen:
            problems.append(
                Problem(f"line {number}", f"{key[0]} v{key[1]} is also listed on line {seen[key]}")
            )
            continue
        seen[key] = number
        releases.append(Release(key[0], key[1], fields[2], listed, number))
    if problems:
        raise PathwayError(str(listed), problems)
    return releases


def _release_gone(release: Release) -> str:
    return (
        f"{release.id} v{release.version} was released ({release.listed_in}, line "
        f"{release.line}) but no pathway file has that id and version: a released "
        "version's file is never deleted or renumbered (an old one lives in "
        "definitions/superseded/)"
    )


def _duplicate(key: tuple[str, int], other: Path) -> str:
    return f"{key[0]} v{key[1]} is also defined in {other}: each version needs its own number"


def _same_hash(known: str, given: str) -> bool:
    return known == given.strip().lower()
