"""The installed package is the manylinux wheel tools/python-wheel.sh makes (tools/python-venv.sh installs it):
tagged manylinux, and the plugins run on the shared libraries it bundles in mageio.libs/, not on this
machine's, so the wheel installs on a machine without libpq, MariaDB's client or Boost."""

import importlib.metadata
import os
import pathlib

import pytest

import mageio


def _wheel_tags() -> list[str]:
    wheel = importlib.metadata.distribution("mageio").read_text("WHEEL") or ""
    return [line.split(":", 1)[1].strip() for line in wheel.splitlines() if line.startswith("Tag:")]


@pytest.fixture
def repaired_wheel():
    tags = _wheel_tags()
    if not any("manylinux" in tag for tag in tags) and os.environ.get("CI") != "true":
        pytest.skip(f"mageio was installed from a plain build ({tags}), not from tools/python-wheel.sh")
    return tags


def _mapped_libraries() -> set[str]:
    return {line.split()[-1] for line in pathlib.Path("/proc/self/maps").read_text().splitlines() if "/" in line}


def test_the_installed_package_is_tagged_manylinux(repaired_wheel):
    assert repaired_wheel and all("-manylinux_" in tag for tag in repaired_wheel), repaired_wheel


def test_the_plugins_run_on_the_libraries_the_wheel_bundles(repaired_wheel, io_config):
    package = pathlib.Path(mageio.__file__).resolve().parent
    bundled = package.parent / "mageio.libs"
    assert bundled.is_dir(), f"{bundled} is missing"
    for plugin, library in (("postgres", "libpq-"), ("mysql", "libmariadb-")):
        with mageio.connect(plugin, io_config) as db:
            assert db.load("select 1 as x").read_all().to_pydict() == {"x": [1]}
        mapped = _mapped_libraries()
        ours = [p for p in mapped if p.startswith(str(bundled)) and pathlib.Path(p).name.startswith(library)]
        assert ours, f"{plugin}: no {library}* from {bundled} is mapped"
        system = [p for p in mapped if pathlib.Path(p).name.startswith(library.rstrip("-") + ".so")]
        assert not system, f"{plugin} also loaded the system's {system}"
