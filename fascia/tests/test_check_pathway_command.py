from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fascia.management.commands import check_pathway
from fascia.pathways import DEFINITIONS_DIR, Registry

PIRIFORMIS = DEFINITIONS_DIR / "piriformis-dry-needling.yaml"


class TestCheckPathwayCommand:
    def test_it_checks_every_definition_by_default(self) -> None:
        out = StringIO()
        call_command("check_pathway", stdout=out)
        assert f"OK: {PIRIFORMIS} (piriformis-dry-needling v2)" in out.getvalue().splitlines()

    def test_it_fails_with_one_line_per_problem(self, tmp_path: Path) -> None:
        broken = tmp_path / "broken.yaml"
        text = PIRIFORMIS.read_text(encoding="utf-8")
        broken.write_text(text.replace("sources: [ahcpr-red-flags]", "sources: [nowhere]", 1))
        out = StringIO()
        with pytest.raises(CommandError, match="problem"):
            call_command("check_pathway", str(broken), stdout=out)
        lines = out.getvalue().splitlines()
        assert lines
        assert all(line.startswith(f"{broken}: ") for line in lines)
        assert "unknown source 'nowhere'" in lines[0]

    def test_it_checks_superseded_versions_and_refuses_a_version_written_twice(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        text = PIRIFORMIS.read_text(encoding="utf-8")
        current, old = tmp_path / "current.yaml", tmp_path / "superseded" / "old.yaml"
        old.parent.mkdir()
        current.write_text(text, encoding="utf-8")
        old.write_text(text, encoding="utf-8")
        monkeypatch.setattr(check_pathway, "REGISTRY", Registry(tmp_path))
        out = StringIO()
        with pytest.raises(CommandError, match="1 problem"):
            call_command("check_pathway", stdout=out)
        assert out.getvalue().splitlines() == [
            f"OK: {current} (piriformis-dry-needling v2)",
            f"{old}: version: piriformis-dry-needling v2 is also defined in {current}: "
            "each version needs its own number",
        ]
