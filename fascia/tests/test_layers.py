"""Imports point downward only (docs/architecture.md, "Layers").

`website`, `enquiries`, `scheduling` and `workspace` are edge apps above `treatment`, which
is above `messaging`, above `records`, above `clinics`, above `accounts`. `scheduling` books
patients from enquiries, so it may read `enquiries`. `workspace` composes pages from
enquiries and records; the others never import it. What two apps need lives below both (the
form token and the page-cache opt-in in the project package); the website listens for clinic
changes instead of being called.
"""

import ast
import re
from pathlib import Path

import pytest

import fascia

FASCIA = Path(fascia.__file__).parent
WEBSITE_TEMPLATES = FASCIA / "templates" / "website"
TAG_LIBRARY = re.compile(r"{%\s*load\b[^%]*\benquiry_tags\b")


def imported_modules(source: str) -> set[str]:
    """Every module a source file imports, `from a import b` counted as `a` and `a.b`."""
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


@pytest.mark.parametrize(
    ("app", "higher"),
    [
        ("website", ["enquiries", "records", "messaging", "treatment", "scheduling", "workspace"]),
        ("enquiries", ["messaging", "treatment", "scheduling", "workspace"]),
        ("scheduling", ["website", "workspace"]),
        ("treatment", ["website", "enquiries", "scheduling", "workspace"]),
        ("messaging", ["treatment", "website", "enquiries", "scheduling", "workspace"]),
        ("records", ["messaging", "treatment", "website", "enquiries", "scheduling", "workspace"]),
        (
            "clinics",
            [
                "records",
                "messaging",
                "treatment",
                "website",
                "enquiries",
                "scheduling",
                "workspace",
            ],
        ),
        (
            "accounts",
            [
                "clinics",
                "records",
                "messaging",
                "treatment",
                "website",
                "enquiries",
                "scheduling",
                "workspace",
            ],
        ),
    ],
)
def test_an_app_imports_nothing_from_the_apps_above_or_beside_it(app, higher):
    forbidden = [f"fascia.{name}" for name in higher]
    package = FASCIA / app
    offenders = {
        str(path.relative_to(package)): sorted(
            module
            for module in imported_modules(path.read_text())
            if any(module == name or module.startswith(f"{name}.") for name in forbidden)
        )
        for path in package.rglob("*.py")
        if "tests" not in path.relative_to(package).parts
    }
    assert {path: modules for path, modules in offenders.items() if modules} == {}


def test_no_website_template_loads_the_enquiries_tag_library():
    templates = list(WEBSITE_TEMPLATES.rglob("*.html"))
    assert templates
    assert [str(t) for t in templates if TAG_LIBRARY.search(t.read_text())] == []
