"""Package layout only (metadata is in pyproject.toml): the repository's top-level ``agents/`` and
``train/`` folders install inside the one top-level package, as ``recogym_eco.agents`` and
``recogym_eco.train``; every sub-package is found, so adding one needs no edit here."""

from setuptools import find_packages, setup

MAPPED = {"recogym_eco.agents": "agents", "recogym_eco.train": "train"}

packages = find_packages(include=["recogym_eco", "recogym_eco.*"])
package_dir = {"recogym_eco": "recogym_eco"}
for name, folder in MAPPED.items():
    packages.append(name)
    package_dir[name] = folder
    for sub in find_packages(where=folder):
        packages.append(f"{name}.{sub}")
        package_dir[f"{name}.{sub}"] = f"{folder}/{sub.replace('.', '/')}"

setup(packages=packages, package_dir=package_dir)
