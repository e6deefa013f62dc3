"""The installed package: one top-level name, light to import, console script present."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]


def test_import_needs_neither_torch_nor_numba_nor_sklearn():
    code = ("import sys, recogym_eco, gymnasium as gym; gym.make('recogym_eco/CreatorSuggestion-v0'); "
            "heavy = [m for m in ('torch', 'numba', 'sklearn', 'stable_baselines3') if m in sys.modules]; "
            "print(heavy)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd="/")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_wheel_installs_exactly_one_top_level_package(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path), str(ROOT)], check=True, timeout=300)
    wheel = next(tmp_path.glob("recogym_eco-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")} == {"recogym_eco"}
    assert "recogym_eco/agents/pretrained/lore_default.zip" in names
    assert "recogym_eco/agents/pretrained/lore_default.json" in names
    assert any(n.startswith("recogym_eco/train/") for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "recogym-eco = recogym_eco.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_every_package_folder_is_installed():
    """setup.py finds sub-packages of recogym_eco/, agents/ and train/: none is left out."""
    import setuptools

    found = set(setuptools.find_packages(str(ROOT), include=["recogym_eco", "recogym_eco.*"]))
    for folder, name in (("agents", "recogym_eco.agents"), ("train", "recogym_eco.train")):
        found |= {name} | {f"{name}.{sub}" for sub in setuptools.find_packages(str(ROOT / folder))}
    on_disk = {str(p.parent.relative_to(ROOT)).replace("/", ".") for p in ROOT.glob("**/__init__.py")
               if not any(part.startswith(".") or part in ("tests", "build", "examples", "benchmarks")
                          for part in p.relative_to(ROOT).parts)}
    on_disk = {n.replace("agents", "recogym_eco.agents", 1) if n.startswith("agents") else
               n.replace("train", "recogym_eco.train", 1) if n.startswith("train") else n for n in on_disk}
    assert on_disk <= found


def test_console_script_lists_its_commands():
    done = subprocess.run([sys.executable, "-m", "recogym_eco.cli", "--help"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and "evaluate" in done.stdout and "train" in done.stdout
    bad = subprocess.run([sys.executable, "-m", "recogym_eco.cli", "nope"], capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode == 2 and "unknown command" in bad.stderr
