from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
ROOT = PACKAGE.parents[1]
MODULES = sorted(f"fascia.pathways.{p.stem}" for p in PACKAGE.glob("*.py") if p.stem != "__init__")


class TestPureness:
    def test_the_package_imports_and_runs_without_django(self) -> None:
        script = (
            "import sys; sys.modules['django'] = None\n"
            "import fascia.pathways\n"
            + "".join(f"import {m}\n" for m in MODULES)
            + "from fascia.pathways import DEFINITIONS_DIR, load_pathway, triage\n"
            "p = load_pathway(DEFINITIONS_DIR / 'piriformis-dry-needling.yaml')\n"
            "print(triage(p, {'saddle_numbness': True}).outcome)\n"
            "assert not any(n == 'django' or n.startswith('django.') for n in sys.modules\n"
            "               if sys.modules[n] is not None)\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "emergency_referral"

    def test_no_file_in_the_package_imports_django(self) -> None:
        pattern = re.compile(r"^\s*(import django|from django)", re.MULTILINE)
        offenders = [
            str(path.relative_to(PACKAGE))
            for path in PACKAGE.rglob("*.py")
            if pattern.search(path.read_text(encoding="utf-8"))
        ]
        assert offenders == []


class TestDocs:
    def test_every_source_is_listed_in_the_clinical_sources_document(self) -> None:
        from fascia.pathways.tests.conftest import PIRIFORMIS

        text = (ROOT / "docs" / "clinical-sources.md").read_text(encoding="utf-8")
        missing = [s.id for s in PIRIFORMIS.sources if f"`{s.id}`" not in text]
        assert missing == []
