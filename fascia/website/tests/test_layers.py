"""`website` and `enquiries` are apps side by side: the website imports nothing from enquiries.

What both need (the form token and its placeholder, the page-cache opt-in) lives below
them, in the project package (docs/architecture.md, "Layers").
"""

import ast
import re
from pathlib import Path

import fascia
import fascia.website

WEBSITE = Path(fascia.website.__file__).parent
WEBSITE_TEMPLATES = Path(fascia.__file__).parent / "templates" / "website"
TAG_LIBRARY = re.compile(r"{%\s*load\b[^%]*\benquiry_tags\b")


def imported_modules(source: str) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


def test_no_website_module_imports_the_enquiries_app():
    offenders = {
        str(path.relative_to(WEBSITE)): sorted(
            module
            for module in imported_modules(path.read_text())
            if module == "fascia.enquiries" or module.startswith("fascia.enquiries.")
        )
        for path in WEBSITE.rglob("*.py")
    }
    assert {path: modules for path, modules in offenders.items() if modules} == {}


def test_no_website_template_loads_the_enquiries_tag_library():
    templates = list(WEBSITE_TEMPLATES.rglob("*.html"))
    assert templates
    assert [str(t) for t in templates if TAG_LIBRARY.search(t.read_text())] == []
