"""The benchmark code (bench/): the generator at a tiny scale, and every script importing.

The benchmarks themselves are run by hand (`make bench`), never timed here.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from dsg.audit.services import audit_verify
from dsg.documents.models import Document
from dsg.enrollment.models import Enrollment, State
from dsg.equipment.models import EquipmentRequest, SoftwareLine
from dsg.registry.models import RemovableMedium, Terminal

BENCH = Path(__file__).resolve().parents[1] / "bench"


def load(name: str) -> ModuleType:
    if f"bench_{name}" in sys.modules:
        return sys.modules[f"bench_{name}"]
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", sorted(p.stem for p in BENCH.glob("*.py")))
def test_every_bench_script_imports(name):
    module = load(name)
    assert module.__doc__, f"bench/{name}.py says what it measures"


def test_the_full_scale_is_the_figures_of_the_issue():
    gen = load("generate")
    assert gen.plan(1) == {
        "companies": 3000,
        "sites": 4000,
        "terminals": 60000,
        "media": 30000,
        "software_requests": 10000,
        "documents": 50000,
        "ledger_events": 500000,
    }
    spread = gen.sites_per_company(3000, 4000)
    assert sum(spread) == 4000 and spread[0] == 50 and min(spread) == 1
    assert gen.sites_per_company(3, 3) == [1, 1, 1]
    assert gen.plan(0.0001)["sites"] >= gen.plan(0.0001)["companies"] >= 1


@pytest.mark.django_db
def test_the_generator_fills_every_kind_and_the_ledger_verifies(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    gen = load("generate")
    result = gen.generate(scale=0.001, walked=0.5)  # 3 companies, 4 sites, 2 of them walked
    figures = result["figures"]
    assert Enrollment.objects.count() == figures["sites"] == 4
    assert Enrollment.objects.exclude(state=State.DRAFT).count() == 2
    assert Terminal.objects.filter(name__startswith="BT-").count() == figures["terminals"] == 60
    assert RemovableMedium.objects.count() == 30
    assert RemovableMedium.terminals.through.objects.count() == 30
    assert EquipmentRequest.objects.count() == SoftwareLine.objects.count() == 10
    assert set(EquipmentRequest.objects.values_list("state", flat=True)) == {
        "filed",
        "under_review",
        "info_requested",
        "decided",
        "withdrawn",
    }
    assert Document.objects.filter(storage_key__startswith="bench-").count() == 50
    verified = audit_verify()
    assert verified.ok, verified.problem
    assert verified.checked >= figures["ledger_events"] == 500
    info = json.loads((tmp_path / "bench.json").read_text())
    assert info["counts"]["audit_events"] == verified.checked
    assert set(info["tokens"]) == {"psa", "reviewer", "provider"}
