"""Templates keep the apps' layers as imports do (lint-imports checks the Python, in `make test`):
an app's template loads no tag library and includes or extends no template of an app above it."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TAG = re.compile(r"{%\s*(load|include|extends)\s+([^%]+?)\s*%}")


def layers() -> list[str]:
    """The apps, lowest first, as the import-linter layers contract in pyproject.toml lists them."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    return [layer for layer in reversed(contract["layers"]) if (ROOT / layer / "apps.py").exists()]


def library_apps(apps: list[str]) -> dict[str, str]:
    return {library.stem: app for app in apps for library in (ROOT / app / "templatetags").glob("*.py") if library.stem != "__init__"}


def references(template: Path, libraries: dict[str, str], apps: list[str]) -> set[str]:
    """The apps whose tag libraries or templates `template` uses."""
    used = set()
    for tag, argument in TAG.findall(template.read_text()):
        if tag == "load":
            used.update(libraries[name] for name in argument.split() if name in libraries)
        else:
            name = argument.split()[0].strip("\"'")
            if "/" in name and name.split("/")[0] in apps:
                used.add(name.split("/")[0])
    return used


def test_templates_use_nothing_of_a_higher_app():
    apps = layers()
    assert apps[:2] == ["accounts", "deadlines"]
    libraries = library_apps(apps)
    upward = []
    for rank, app in enumerate(apps):
        for template in sorted((ROOT / app / "templates").rglob("*.html")):
            upward += [(str(template.relative_to(ROOT)), used) for used in references(template, libraries, apps) if apps.index(used) > rank]
    assert upward == []


def test_the_check_sees_an_upward_reference(tmp_path):
    template = tmp_path / "page.html"
    template.write_text('{% load i18n handling %}{% include "cases/_days_left.html" %}{% extends "base.html" %}')
    assert references(template, {"handling": "cases", "intake": "petitions"}, ["accounts", "petitions", "cases"]) == {"cases"}
