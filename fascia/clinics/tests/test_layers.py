"""`clinics` is below `website` and `enquiries` (docs/architecture.md, "Layers"): its code
imports neither. The website listens for clinic changes instead (its page cache)."""

import ast
from pathlib import Path

import fascia.clinics

CLINICS = Path(fascia.clinics.__file__).parent
HIGHER = ("fascia.website", "fascia.enquiries")


def imported_modules(source: str) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def test_no_clinics_module_imports_the_website_or_the_enquiries_app():
    offenders = {
        str(path.relative_to(CLINICS)): sorted(
            module
            for module in imported_modules(path.read_text())
            if any(module == name or module.startswith(f"{name}.") for name in HIGHER)
        )
        for path in CLINICS.rglob("*.py")
        if "tests" not in path.relative_to(CLINICS).parts
    }
    assert {path: modules for path, modules in offenders.items() if modules} == {}
