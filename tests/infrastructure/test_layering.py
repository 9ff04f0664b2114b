"""The house reads from the bottom up: kernels, then the library, then the chapters, then the
widgets, then the notebooks. These tests refuse every arrow that points the other way, and every
private name (a leading underscore) taken from another module."""
import ast
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LESSONS = ROOT / "lessons"
# lessons/ sub-packages that are not "the library": their own floor, or the chapters' floor
KERNELS, REFERENCE = "lessons.kernels", "lessons.reference"
CHAPTERS = ("lessons.chapters", "lessons.exercises", "lessons.solutions")
THIRD_PARTY = {
    # threadpoolctl: kernels/threads.py; llvmlite (Numba's code generator): kernels/prefetch.py
    KERNELS: {"numpy", "numba", "scipy", "threadpoolctl", "llvmlite"},
    REFERENCE: {"numpy", "scipy"},
}


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(tree, module):
    """Every module an import statement names (relative imports resolved against `module`)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(module.split(".")[:-node.level] + ([base] if base else []))
            yield base
            # `from lessons import layers` imports the module lessons.layers
            yield from (f"{base}.{a.name}" for a in node.names)


def floor(module):
    """Where a module of lessons/ lives: kernels, reference, chapters or library."""
    for name in (KERNELS, REFERENCE, *CHAPTERS):
        if module == name or module.startswith(name + "."):
            return "chapters" if name in CHAPTERS else name
    return "library"


def library_modules():
    for path in sorted(LESSONS.rglob("*.py")):
        module = module_name(path)
        yield module, sorted(set(imported_modules(ast.parse(path.read_text()), module)))


def forbidden(module, imported):
    """Why `module` may not import `imported`, or None when it may."""
    top = imported.split(".")[0]
    here = floor(module)
    if top in ("widgets", "ipywidgets"):
        return "lessons/ never imports widgets (the widgets sit above the library)"
    if top != "lessons":
        if here in THIRD_PARTY and top not in sys.stdlib_module_names | THIRD_PARTY[here]:
            return f"{here} depends on {sorted(THIRD_PARTY[here])} and the standard library only"
        return None
    if imported in ("lessons",):
        return None
    there = floor(imported)
    if here == KERNELS and there != KERNELS:
        return "kernels import nothing from the library above them"
    if here == REFERENCE and there != REFERENCE:
        return "the NumPy twins are the kernels' independent oracle: they import no kernel"
    if here == "library" and there == "chapters":
        return "the library does not reach up into chapter code"
    return None


def test_no_forbidden_arrow():
    offenders = [f"{module} -> {imported}: {why}"
                 for module, imports in library_modules()
                 for imported in imports if (why := forbidden(module, imported))]
    assert offenders == []


@pytest.mark.parametrize("module, imported", [
    ("lessons.kernels.conv", "lessons.layers"),
    ("lessons.kernels.conv", "lessons.train.fit"),
    ("lessons.kernels.conv", "widgets.base"),
    ("lessons.kernels.conv", "matplotlib"),
    ("lessons.layers.dense", "widgets"),
    ("lessons.layers.dense", "ipywidgets"),
    ("lessons.train.loop", "lessons.chapters.ch04_mnist_net"),
    ("lessons.reference.conv", "lessons.kernels.conv"),
    ("lessons.reference.conv", "lessons.kernels"),
    ("lessons.chapters.ch07_cnn", "widgets.feature_maps"),
])
def test_each_forbidden_arrow_is_caught(module, imported):
    assert forbidden(module, imported)


@pytest.mark.parametrize("module, imported", [
    ("lessons.kernels.conv", "lessons.kernels.checks"),
    ("lessons.kernels.threads", "threadpoolctl"),
    ("lessons.layers.dense", "lessons.kernels.raw"),
    ("lessons.chapters.ch04_mnist_net", "lessons.train"),
    ("lessons.reference.mlp", "numpy"),
])
def test_allowed_arrows_pass(module, imported):
    assert forbidden(module, imported) is None


def sources():
    """(where, package, code) for the library, the widgets, the benchmarks and every notebook."""
    for folder in ("lessons", "widgets", "benchmarks"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), package_of(module_name(path)), path.read_text()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        code = "\n".join(line for line in code.splitlines()
                         if not line.lstrip().startswith(("%", "!")))
        yield path.relative_to(ROOT).as_posix(), "notebooks", code


def package_of(module):
    """What may share private names with `module`: only the module itself, except
    lessons.kernels.raw, the one place that names the kernels' private cores (publicly)."""
    return "lessons.kernels" if module == "lessons.kernels.raw" else module


def private(name):
    return name.startswith("_") and not name.startswith("__")


def underscore_imports(package, code):
    tree = ast.parse(code)
    found, modules = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and \
                node.module.split(".")[0] in ("lessons", "widgets"):
            own = node.module == package or node.module.startswith(package + ".")
            for a in node.names:
                if private(a.name) and not own:
                    found.append(f"from {node.module} import {a.name}")
                modules[a.asname or a.name] = f"{node.module}.{a.name}"
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] in ("lessons", "widgets"):
                    modules[a.asname or a.name.split(".")[0]] = a.name
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and private(node.attr):
            base = node.value
            while isinstance(base, ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name) and base.id in modules and \
                    not (modules[base.id] + ".").startswith(package + "."):
                found.append(ast.unparse(node))
    return found


def test_no_private_name_crosses_a_module():
    offenders = [f"{where}: {what}" for where, package, code in sources()
                 for what in underscore_imports(package, code)]
    assert offenders == [], "make it public (lessons.kernels.raw holds the unchecked cores)"


def test_the_private_name_check_sees_imports_and_attributes():
    code = ("from lessons.kernels.conv import _pad\n"
            "from lessons.kernels import conv as c\n"
            "c._im2col\n")
    assert underscore_imports("lessons.layers", code) == [
        "from lessons.kernels.conv import _pad", "c._im2col"]
    assert underscore_imports(package_of("lessons.kernels.raw"), code) == []  # the one gate
    assert len(underscore_imports(package_of("lessons.kernels.pool"), code)) == 2  # a sibling
