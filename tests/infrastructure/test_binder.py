"""binder/: repo2docker installs this repository, warms the Numba cache and opens notebooks/."""
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"
POST_BUILD = BINDER / "postBuild"


def _requirement_lines():
    lines = (BINDER / "requirements.txt").read_text().splitlines()
    return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_requirements_install_this_repository_and_nothing_else():
    # repo2docker runs pip from the repository root, where "." is the project; a regular
    # install (not -e) keeps the package and its Numba cache out of the home directory.
    # The dependency list lives in pyproject.toml only: no package is named here.
    assert _requirement_lines() == ["."]
    project = _pyproject()["project"]
    assert project["name"] == "dl-lessons" and "numba" in " ".join(project["dependencies"])


def test_runtime_matches_requires_python():
    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert re.fullmatch(r"python-3\.\d+", runtime)
    wanted = tuple(int(p) for p in runtime.removeprefix("python-").split("."))
    floor = _pyproject()["project"]["requires-python"].removeprefix(">=")
    assert wanted >= tuple(int(p) for p in floor.split("."))


def test_post_build_is_an_executable_bash_script_that_stops_on_errors():
    text = POST_BUILD.read_text()
    assert text.startswith("#!/bin/bash\n")
    assert "set -euo pipefail" in text
    assert os.access(POST_BUILD, os.X_OK), "git must record binder/postBuild as executable"
    subprocess.run(["bash", "-n", str(POST_BUILD)], check=True)


def test_post_build_warms_the_cache_of_the_installed_package():
    warm = [line for line in POST_BUILD.read_text().splitlines() if "lessons.warmup" in line]
    assert warm == ["(cd notebooks && python -m lessons.warmup)"]
    # Run that very line with this environment's python first on PATH.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-c", warm[0]], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert re.search(r"dl-lessons: \d+ kernels compiled or loaded", done.stdout)


def _config_snippet():
    match = re.search(r"python - <<'PY'\n(.*?)\nPY\n", POST_BUILD.read_text(), re.S)
    assert match, "postBuild merges the server config with an inline Python snippet"
    return match.group(1)


@pytest.mark.parametrize("existing", [None, {"ServerApp": {"ip": "0.0.0.0"}, "Other": {"x": 1}}])
def test_post_build_merges_the_start_page_into_the_environment_config(
        tmp_path, monkeypatch, capsys, existing):
    from traitlets.config.loader import JSONFileConfigLoader

    target = tmp_path / "etc" / "jupyter" / "jupyter_server_config.json"
    if existing is not None:
        target.parent.mkdir(parents=True)
        target.write_text(json.dumps(existing))
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    monkeypatch.chdir(ROOT)
    exec(compile(_config_snippet(), str(POST_BUILD), "exec"), {"__name__": "postBuild"})
    config = JSONFileConfigLoader(target.name, str(target.parent)).load_config()
    assert config.ServerApp.default_url == "/lab/tree/notebooks"
    if existing is not None:
        assert config.ServerApp.ip == "0.0.0.0" and config.Other.x == 1
    assert "JupyterLab opens at /lab/tree/notebooks" in capsys.readouterr().out


def test_start_page_is_a_server_setting_pointing_at_the_chapters():
    from jupyter_server.serverapp import ServerApp

    ours = json.loads((BINDER / "jupyter_server_config.json").read_text())
    assert set(ours) == {"ServerApp"}
    assert set(ours["ServerApp"]) <= set(ServerApp.class_trait_names(config=True))
    folder = ours["ServerApp"]["default_url"].removeprefix("/lab/tree/")
    assert (ROOT / folder).is_dir() and any((ROOT / folder).glob("*.ipynb"))
