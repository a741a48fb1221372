from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from fascia.pathways import (
    DEFINITIONS_DIR,
    REGISTRY,
    PathwayError,
    PathwayMismatch,
    Registry,
    UnknownPathway,
)
from fascia.pathways.tests.conftest import NECK_FILE

NECK = "upper-trapezius-neck"
NECK_TEXT = NECK_FILE.read_text(encoding="utf-8")


def neck(version: int, title: str = "") -> str:
    """The test pathway's text as another version (and, given a title, with other content)."""
    text = NECK_TEXT.replace("\nversion: 3\n", f"\nversion: {version}\n", 1)
    return text.replace("\ntitle: ", f"\ntitle: {title}", 1) if title else text


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Three versions of the test pathway: the current one on top, two superseded ones."""
    write(tmp_path / "neck.yaml", neck(3))
    write(tmp_path / "superseded" / "neck-v1.yaml", neck(1, "First "))
    write(tmp_path / "superseded" / "neck-v2.yaml", neck(2, "Second "))
    return tmp_path


class TestFinding:
    def test_it_finds_the_shipped_pathway_by_its_id(self) -> None:
        pathway = REGISTRY.current("piriformis-dry-needling")
        assert pathway.id == "piriformis-dry-needling"
        entry = REGISTRY.entry("piriformis-dry-needling")
        assert entry.version == pathway.version
        assert entry.path.is_relative_to(DEFINITIONS_DIR)

    def test_the_current_version_is_the_highest_and_older_ones_stay_loadable(
        self, folder: Path
    ) -> None:
        registry = Registry(folder)
        assert registry.versions(NECK) == (1, 2, 3)
        assert registry.current(NECK).version == 3
        assert registry.get(NECK, 1).version == 1
        assert registry.get(NECK, 1).title.startswith("First ")
        assert registry.entry(NECK, 2).path == folder / "superseded" / "neck-v2.yaml"

    def test_a_file_is_known_by_its_own_id_and_version_not_its_name(self, tmp_path: Path) -> None:
        write(tmp_path / "anything.yaml", neck(7))
        registry = Registry(tmp_path)
        assert [(e.id, e.version) for e in registry.entries()] == [(NECK, 7)]

    def test_it_finds_the_id_and_version_wherever_the_file_writes_them(
        self, tmp_path: Path
    ) -> None:
        header = "id: upper-trapezius-neck\nversion: 3\n"
        assert header in NECK_TEXT
        write(tmp_path / "late.yaml", NECK_TEXT.replace(header, "") + "\nversion: 4\nid: " + NECK)
        write(tmp_path / "quoted.yaml", neck(5).replace("version: 5", 'version: "5"'))
        registry = Registry(tmp_path)
        assert registry.versions(NECK) == (4, 5)
        assert registry.get(NECK, 4).version == 4
        assert registry.get(NECK, 5).version == 5

    def test_an_unknown_id_or_version_is_a_lookup_error(self, folder: Path) -> None:
        registry = Registry(folder)
        with pytest.raises(UnknownPathway, match="no pathway 'sciatica'"):
            registry.current("sciatica")
        with pytest.raises(UnknownPathway, match="version 9"):
            registry.get(NECK, 9)
        with pytest.raises(LookupError):
            registry.sha256(NECK, 9)


class TestHashes:
    def test_the_hash_is_the_sha256_of_the_files_bytes(self, folder: Path) -> None:
        registry = Registry(folder)
        for version, path in [(3, folder / "neck.yaml"), (1, folder / "superseded/neck-v1.yaml")]:
            assert registry.sha256(NECK, version) == hashlib.sha256(path.read_bytes()).hexdigest()
        shipped = REGISTRY.entry("piriformis-dry-needling")
        assert shipped.sha256 == hashlib.sha256(shipped.path.read_bytes()).hexdigest()

    def test_each_version_has_its_own_hash(self, folder: Path) -> None:
        registry = Registry(folder)
        assert len({registry.sha256(NECK, v) for v in (1, 2, 3)}) == 3

    def test_a_stored_hash_verifies_and_another_does_not(self, folder: Path) -> None:
        registry = Registry(folder)
        stored = registry.entry(NECK, 2)
        assert registry.verify(NECK, 2, stored.sha256)
        assert registry.verify(NECK, 2, stored.sha256.upper())
        assert not registry.verify(NECK, 2, registry.sha256(NECK, 1))
        assert registry.get(NECK, 2, sha256=stored.sha256).version == 2

    def test_a_file_changed_after_records_were_made_under_it_is_refused(self, folder: Path) -> None:
        stored = Registry(folder).entry(NECK, 1)
        write(stored.path, neck(1, "Edited "))
        with pytest.raises(PathwayMismatch, match="changed after records were made"):
            Registry(folder).get(NECK, 1, sha256=stored.sha256)


class TestLoading:
    def test_it_reads_nothing_until_asked_and_then_keeps_what_it_read(self, tmp_path: Path) -> None:
        registry = Registry(tmp_path / "later")
        write(tmp_path / "later" / "neck.yaml", neck(1))
        first = registry.current(NECK)
        write(tmp_path / "later" / "neck-v2.yaml", neck(2, "Second "))
        assert registry.current(NECK) is first
        assert Registry(tmp_path / "later").current(NECK).version == 2

    def test_a_file_with_problems_is_listed_but_never_loaded(self, tmp_path: Path) -> None:
        broken = neck(1).replace("sources: [made-up]", "sources: [nowhere]", 1)
        assert broken != neck(1)
        write(tmp_path / "broken.yaml", broken)
        registry = Registry(tmp_path)
        assert registry.versions(NECK) == (1,)
        with pytest.raises(PathwayError, match="unknown source 'nowhere'"):
            registry.current(NECK)

    def test_two_files_with_the_same_id_and_version_are_refused(self, tmp_path: Path) -> None:
        write(tmp_path / "a.yaml", neck(1))
        write(tmp_path / "b.yaml", neck(1, "Copy "))
        with pytest.raises(PathwayError, match=r"upper-trapezius-neck v1 is also defined in"):
            Registry(tmp_path).current(NECK)

    def test_a_file_with_no_id_is_refused(self, tmp_path: Path) -> None:
        write(tmp_path / "nameless.yaml", neck(1).replace(f"id: {NECK}\n", "", 1))
        with pytest.raises(PathwayError, match="id"):
            Registry(tmp_path).entries()


class TestCheck:
    def test_it_checks_every_file_superseded_ones_included(self, folder: Path) -> None:
        results = Registry(folder).check()
        assert [r.path.relative_to(folder).as_posix() for r in results] == [
            "neck.yaml",
            "superseded/neck-v1.yaml",
            "superseded/neck-v2.yaml",
        ]
        assert all(r.ok for r in results)

    def test_it_reports_a_second_file_with_the_same_version(self, tmp_path: Path) -> None:
        write(tmp_path / "a.yaml", neck(1))
        write(tmp_path / "b.yaml", neck(1, "Copy "))
        first, second = Registry(tmp_path).check()
        assert first.ok
        assert [str(p) for p in second.problems] == [
            f"version: upper-trapezius-neck v1 is also defined in {tmp_path / 'a.yaml'}: "
            "each version needs its own number"
        ]
