"""The layering the code keeps (README, Layout): each app imports only the apps below it —

    hub  <  connectors  <  lending  <  whitelist

— and no page or API module imports a page or API module of another app (what they share
lives in the kit, hub/web and hub/api, or in serializers and selectors). Only the project's
own files (settings, URLs) name every app. Read from the code with ``ast``, imports inside
functions included."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["hub", "connectors", "lending", "whitelist"]
PROJECT_FILES = {"hub/settings.py", "hub/urls.py"}
ENDPOINT_MODULE_NAMES = ("apis", "views", "urls", "page_urls")


def _python_files(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "/migrations/" not in relative and relative not in PROJECT_FILES:
            yield relative, path


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


KIT_PACKAGES = ("hub.web", "hub.api")


def _is_endpoint_module(module: str) -> bool:
    if module.startswith(KIT_PACKAGES):
        return False
    last = module.rsplit(".", 1)[-1]
    return last in ENDPOINT_MODULE_NAMES or last.endswith(("_apis", "_views"))


@pytest.mark.parametrize("app", LAYERS)
def test_an_app_imports_only_the_apps_below_it(app):
    above = set(LAYERS[LAYERS.index(app) + 1 :])
    offending = [
        f"{relative} imports {module}"
        for relative, path in _python_files(app)
        for module in _imported_modules(path)
        if module.split(".")[0] in above
    ]
    assert offending == []


@pytest.mark.parametrize("app", LAYERS)
def test_no_page_or_api_module_imports_another_apps_page_or_api_module(app):
    offending = [
        f"{relative} imports {module}"
        for relative, path in _python_files(app)
        if _is_endpoint_module(Path(relative).stem)
        for module in _imported_modules(path)
        if module.split(".")[0] in LAYERS and module.split(".")[0] != app and _is_endpoint_module(module)
    ]
    assert offending == []
