"""Released pathway versions never change under the records made with them."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
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
from fascia.pathways.__main__ import main
from fascia.pathways.registry import RELEASED
from fascia.pathways.tests.test_registry import NECK, neck, write

REPOSITORY = DEFINITIONS_DIR.parents[2]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def release(folder: Path, *files: Path) -> None:
    """List these files of the test pathway as released, with their hashes now."""
    registry = Registry(folder)
    lines = [
        f"{entry.id} {entry.version} {entry.sha256}"
        for entry in registry.entries()
        if entry.path in files
    ]
    write(folder / RELEASED, "# id version sha256\n" + "\n".join(lines) + "\n")


@pytest.fixture
def released(tmp_path: Path) -> Path:
    """The test pathway at version 1, released."""
    write(tmp_path / "neck.yaml", neck(1))
    release(tmp_path, tmp_path / "neck.yaml")
    return tmp_path


class TestShippedPathways:
    def test_no_released_pathway_file_has_changed(self) -> None:
        """When this fails, a released file was edited without a new version.

        Records were made under the released file, so its bytes must never change. Put
        the released file back, copy it unchanged into definitions/superseded/, then
        make the change in the current file with the next `version`.
        """
        assert REGISTRY.released(), f"{DEFINITIONS_DIR / RELEASED} lists no released version"
        for listed in REGISTRY.released():
            try:
                entry = REGISTRY.entry(listed.id, listed.version)
            except (PathwayMismatch, UnknownPathway) as error:
                pytest.fail(str(error))
            assert entry.sha256 == listed.sha256

    def test_the_piriformis_pathway_is_released_as_version_one(self) -> None:
        keys = {(r.id, r.version) for r in REGISTRY.released()}
        assert ("piriformis-dry-needling", 1) in keys

    def test_every_shipped_file_checks_clean_against_its_release(self) -> None:
        assert [line for r in REGISTRY.check() if not r.ok for line in r.lines()] == []

    def test_git_never_changes_the_bytes_of_a_pathway_file(self) -> None:
        git = shutil.which("git")
        if git is None or not (REPOSITORY / ".git").exists():
            pytest.skip("not a git checkout")
        for path in REGISTRY.files():
            relative = path.relative_to(REPOSITORY).as_posix()
            found = subprocess.run(
                [git, "check-attr", "text", "--", relative],
                cwd=REPOSITORY,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            assert found.strip().endswith("text: unset"), found


class TestAChangedReleasedFile:
    def test_the_registry_refuses_it(self, released: Path) -> None:
        write(released / "neck.yaml", neck(1, "Edited "))
        registry = Registry(released)
        with pytest.raises(PathwayMismatch) as error:
            registry.current(NECK)
        text = str(error.value)
        assert "upper-trapezius-neck v1 was released with SHA-256" in text
        assert "copy it unchanged into definitions/superseded/" in text
        assert "`version: 2`" in text
        with pytest.raises(PathwayMismatch):
            registry.verify(NECK, 1, sha256(released / "neck.yaml"))

    def test_check_reports_it_on_the_file(self, released: Path) -> None:
        path = write(released / "neck.yaml", neck(1, "Edited "))
        [result] = Registry(released).check()
        assert result.path == path
        [problem] = result.problems
        assert problem.path == "version"
        assert f"but this file's is {sha256(path)}" in problem.message

    def test_a_changed_line_ending_is_a_change(self, released: Path) -> None:
        path = released / "neck.yaml"
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
        assert not Registry(released).check()[0].ok

    def test_the_command_line_reports_it(
        self, released: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        path = write(released / "neck.yaml", neck(1, "Edited "))
        monkeypatch.setattr("fascia.pathways.__main__.REGISTRY", Registry(released))
        assert main(["check", str(path)]) == 1
        assert "v1 was released with SHA-256" in capsys.readouterr().out

    def test_a_copy_outside_the_definitions_is_not_compared(
        self, released: Path, tmp_path_factory: pytest.TempPathFactory
    ) -> None:
        draft = write(tmp_path_factory.mktemp("drafts") / "neck.yaml", neck(1, "Draft "))
        assert Registry(released).check_file(draft).ok

    def test_superseding_it_with_a_new_version_is_the_way_to_change_it(
        self, released: Path
    ) -> None:
        stored = Registry(released).entry(NECK, 1)
        (released / "superseded").mkdir()
        shutil.copyfile(stored.path, released / "superseded" / "neck-v1.yaml")
        write(released / "neck.yaml", neck(2, "Edited "))
        registry = Registry(released)
        assert all(result.ok for result in registry.check())
        assert registry.current(NECK).version == 2
        assert registry.get(NECK, 1, sha256=stored.sha256).version == 1


class TestTheReleasedList:
    def test_a_released_version_with_no_file_is_reported_on_the_list(self, released: Path) -> None:
        (released / "neck.yaml").unlink()
        write(released / "neck-v2.yaml", neck(2))
        registry = Registry(released)
        *_, result = registry.check()
        assert result.path == released / RELEASED
        assert "no pathway file has that id and version" in str(result.problems[0])
        with pytest.raises(UnknownPathway, match="was released"):
            registry.get(NECK, 1)

    def test_an_unreleased_version_is_not_compared(self, released: Path) -> None:
        write(released / "neck-v2.yaml", neck(2))
        registry = Registry(released)
        assert [(r.id, r.version) for r in registry.released()] == [(NECK, 1)]
        assert registry.current(NECK).version == 2

    @pytest.mark.parametrize(
        "line",
        [
            "upper-trapezius-neck 1",
            "upper-trapezius-neck one " + "0" * 64,
            "upper-trapezius-neck 1 " + "0" * 63,
            "upper-trapezius-neck 1 " + "A" * 64,
        ],
    )
    def test_a_malformed_line_is_reported(self, released: Path, line: str) -> None:
        with (released / RELEASED).open("a", encoding="utf-8") as listed:
            listed.write(line + "\n")
        registry = Registry(released)
        with pytest.raises(PathwayError, match="line 3: expected a pathway id"):
            registry.released()
        *_, result = registry.check()
        assert result.path == released / RELEASED
        assert not result.ok

    def test_a_version_listed_twice_is_reported(self, released: Path) -> None:
        listed = (released / RELEASED).read_text(encoding="utf-8").splitlines()[-1]
        with (released / RELEASED).open("a", encoding="utf-8") as file:
            file.write(listed + "\n")
        with pytest.raises(PathwayError, match="line 3: upper-trapezius-neck v1 is also listed"):
            Registry(released).released()


class TestReleasedEntry:
    def test_new_records_are_made_under_the_newest_released_version_not_a_draft(
        self, released: Path
    ) -> None:
        write(released / "neck-v2.yaml", neck(2))
        registry = Registry(released)
        assert registry.current(NECK).version == 2
        assert registry.released_entry(NECK).version == 1

    def test_a_pathway_with_no_released_version_is_refused(self, tmp_path: Path) -> None:
        write(tmp_path / "neck.yaml", neck(1))
        with pytest.raises(
            UnknownPathway, match="no version of pathway 'upper-trapezius-neck' is released"
        ):
            Registry(tmp_path).released_entry(NECK)
