"""The docs tell the truth: their Python examples run, and they cover every field, command and module."""

from __future__ import annotations

import os
import re

import attrs
import pytest
from conftest import ROOT

import decextract
from decextract import records
from decextract.cli import cli

DOCS = ROOT / "docs"
_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _python_blocks(path):
    return _BLOCK.findall(path.read_text(encoding="utf-8"))


EXAMPLES = [(p.name, i, code) for p in [ROOT / "README.md", DOCS / "api.md"]
            for i, code in enumerate(_python_blocks(p))]


@pytest.mark.parametrize("name, i, code", EXAMPLES, ids=[f"{n}-{i}" for n, i, _ in EXAMPLES])
def test_python_examples_run(name, i, code, monkeypatch):
    monkeypatch.chdir(ROOT)
    exec(compile(code, f"{name} example {i}", "exec"), {})


RECORDS = [records.DocumentInfo, records.Figure, records.TableInfo, records.TableRow,
           records.PerformanceProject, records.PerformanceIndicator, records.Check, records.Indicator]


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.TYPE)
def test_every_record_field_is_documented(cls):
    text = (DOCS / "records.md").read_text(encoding="utf-8")
    section = text.split(f"## `{cls.TYPE}`", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`(\w+)`", section))
    missing = [f.name for f in attrs.fields(cls) if f.name not in documented]
    assert not missing, f"{cls.TYPE}: fields not in docs/records.md: {missing}"


def test_every_provenance_field_is_documented():
    text = (DOCS / "provenance.md").read_text(encoding="utf-8")
    missing = [f.name for f in attrs.fields(records.Provenance) if f"`{f.name}`" not in text]
    assert not missing


def test_every_command_and_option_is_documented():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    for param in cli.params:  # the options of every command (--version, -v, -q, --log-level)
        for opt in param.opts:
            assert f"`{opt}" in text, opt
    for name, command in cli.commands.items():
        assert f"## `decextract {name}" in text, name
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and opt != "--help":
                    assert opt in text, f"{name} {opt}"


def test_every_module_is_in_the_design_map():
    text = (DOCS / "design.md").read_text(encoding="utf-8")
    package = ROOT / "decextract"
    for path in package.rglob("*.py"):
        rel = path.relative_to(package)
        if rel.name in ("__init__.py", "__main__.py"):
            continue
        assert rel.name in text, f"{rel} is missing from docs/design.md"


def test_public_surface_is_what_the_api_doc_lists():
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    for name in decextract.__all__:
        if name != "__version__":
            assert f"`{name}" in text, name
            assert getattr(decextract, name) is not None


def test_readme_commands_are_the_ci_ones():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = [line for line in ci.splitlines() if "pytest" in line and not line.startswith("#")]
    assert test_command and test_command[-1].strip() in readme
    assert os.access(ROOT / ".ci" / "run", os.X_OK)
