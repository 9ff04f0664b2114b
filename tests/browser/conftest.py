"""A throwaway JupyterLab and Debian's Chromium (driven by Playwright) for the browser tests.

JupyterLab serves a temporary copy of notebooks/ (so Run All never touches a committed
notebook) with its own config, data, runtime, settings and workspace directories: the user's ~/.jupyter,
~/.ipython and Jupyter data are never read, and lab-settings/overrides.json is the only
preference applied (the same file the course can ship for learners: it silences the news
toast).

DL_LESSONS_BROWSER_NOTEBOOKS=<dir> points the tests at another directory of notebooks.
"""
import contextlib
import http.cookiejar
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from lessons.doctor import CHROMIUM
from lessons.kernels.threads import share_of_the_cores

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
NOTEBOOK_DIR = Path(os.environ.get("DL_LESSONS_BROWSER_NOTEBOOKS", ROOT / "notebooks"))
ARTIFACTS = ROOT / "test-artifacts" / "browser"
SETTINGS = HERE.parents[1] / "lab-settings" / "overrides.json"

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]
# Two cores shared by JupyterLab, the kernel and Chromium: Playwright's 5 s default is too tight.
TIMEOUT_MS = 30_000
SERVER_START_S = 60

expect.set_options(timeout=TIMEOUT_MS)


def pytest_generate_tests(metafunc):
    """One test per chapter: `notebook` is each notebooks/*.ipynb, found at collection time."""
    if "notebook" in metafunc.fixturenames:
        notebooks = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
        metafunc.parametrize("notebook", notebooks, ids=[nb.stem for nb in notebooks])


def pytest_collection_modifyitems(items):
    """Browser tests run last. Playwright's sync API marks its event loop as running in this
    thread until the session ends; a widget View drawn after the first browser test would find
    that loop, take it for a kernel's and defer its frames to it (never run), so every headless
    widget test after it failed in CI (they ran in directory order, after tests/browser)."""
    items.sort(key=lambda item: HERE in item.path.parents)


def _in_ci():
    return os.environ.get("CI", "").lower() in ("true", "1")


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = (f"Chromium not found at {CHROMIUM}: install Debian's chromium to run "
                   f"browser tests")
        if _in_ci():
            pytest.fail(f"{message} (CI must run the browser tests, not skip them)",
                        pytrace=False)
        pytest.skip(message)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A running JupyterLab: its base URL and a REST helper."""

    def __init__(self, url, log):
        self.url, self.log = url, log
        self._cookies = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self._cookies))

    def api(self, path, method="GET"):
        headers = {}
        if method != "GET":
            # no token, but the server still wants its _xsrf cookie echoed on writes
            headers["X-XSRFToken"] = self._xsrf_token()
        request = urllib.request.Request(f"{self.url}/api/{path}", method=method,
                                         headers=headers)
        with self._opener.open(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def _xsrf_token(self):
        if not any(c.name == "_xsrf" for c in self._cookies):
            self._opener.open(f"{self.url}/lab", timeout=10).close()
        return next(c.value for c in self._cookies if c.name == "_xsrf")

    def shut_down_kernels(self):
        """Free the two cores for the next chapter: end every session and its kernel."""
        for session in self.api("sessions"):
            self.api(f"sessions/{session['id']}", method="DELETE")

    def log_tail(self, lines=40):
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@contextlib.contextmanager
def serve_lab(root, base):
    """JupyterLab on 127.0.0.1, no token, serving `root`, with its own Jupyter directories
    under `base`; killed on exit."""
    # labconfig/default_setting_overrides.json in the config dir takes the same JSON as
    # <app dir>/settings/overrides.json, without pointing JupyterLab at another app dir.
    labconfig = base / "config" / "labconfig"
    labconfig.mkdir(parents=True)
    shutil.copyfile(SETTINGS, labconfig / "default_setting_overrides.json")
    # A learner's defaults: no inherited backend or extra Jupyter search paths.
    env = {k: v for k, v in os.environ.items()
           if k not in ("MPLBACKEND", "JUPYTER_PATH", "JUPYTER_CONFIG_PATH", "JUPYTER_TOKEN")}
    env.update(JUPYTER_CONFIG_DIR=str(base / "config"),
               JUPYTER_DATA_DIR=str(base / "data"),
               JUPYTER_RUNTIME_DIR=str(base / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(base / "user-settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
               IPYTHONDIR=str(base / "ipython"),
               # as if the venv were activated, for anything the kernel starts by name
               PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]))
    # each xdist worker's Lab runs a chapter beside the other's: each gets its share of the cores
    env.update(share_of_the_cores(int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", 1))))
    port = _free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # each xdist worker has its own Lab
    log = ARTIFACTS / f"jupyterlab-{worker}{base.name}.log"
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
           "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
           "--IdentityProvider.token=", "--ServerApp.password=",
           "--LabApp.extension_manager=readonly", f"--ServerApp.root_dir={root}"]
    with open(log, "wb") as log_file:
        server = subprocess.Popen(cmd, cwd=root, env=env, stdout=log_file,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    running = Lab(f"http://127.0.0.1:{port}", log)
    try:
        _wait_until_serving(server, running)
        yield running
    finally:
        _stop(server)


@pytest.fixture(scope="session")
def lab(browser, tmp_path_factory):
    """JupyterLab serving a copy of the chapters, so Run All never touches a committed one.

    Requests `browser` first so a machine without Chromium skips before a server starts.
    """
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "notebooks"
    shutil.copytree(NOTEBOOK_DIR, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    with serve_lab(root, base) as running:
        yield running


def _wait_until_serving(server, lab):
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"JupyterLab exited with code {server.returncode}:\n{lab.log_tail()}",
                        pytrace=False)
        try:
            lab.api("status")
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    pytest.fail(f"JupyterLab did not answer /api/status within {SERVER_START_S} s:\n"
                f"{lab.log_tail()}", pytrace=False)


def _stop(server):
    """SIGTERM the server's process group: JupyterLab shuts its kernels down on the way out."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


@pytest.fixture(scope="session")
def context(browser):
    """One browser context for the session: JupyterLab's scripts load from its cache after the
    first chapter. Chapters stay apart through their own pages and workspaces."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context, lab):
    """A fresh page per chapter; the chapter's kernel is shut down afterwards."""
    page = context.new_page()
    try:
        yield page
    finally:
        page.close()
        lab.shut_down_kernels()


@pytest.fixture
def artifacts(notebook):
    """test-artifacts/browser/<chapter>/, emptied: screenshots of this run only."""
    directory = ARTIFACTS / notebook.stem
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    return directory


@pytest.fixture
def saved_artifacts(notebook):
    """test-artifacts/browser/<chapter>-no-kernel/, emptied: the committed notebook's
    widget cells as they show before Run All."""
    directory = ARTIFACTS / f"{notebook.stem}-no-kernel"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    return directory


@pytest.fixture
def notebook_dir():
    return NOTEBOOK_DIR
