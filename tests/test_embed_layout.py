"""The encoder package keeps one direction of imports (no cycle) and stays light to import."""
import ast
import pathlib
import subprocess
import sys

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "plumbline" / "embed"


def _imports(path: pathlib.Path) -> set[str]:
    """plumbline.embed submodules this file imports, at top level or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("plumbline.embed."):
            found.add(node.module.split(".")[2])
        elif isinstance(node, ast.ImportFrom) and node.module == "plumbline.embed":
            found.update(alias.name for alias in node.names if (PACKAGE / f"{alias.name}.py").exists())
    return found


def test_embed_modules_import_each_other_without_a_cycle():
    graph = {p.stem: _imports(p) for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    assert {"loader", "weights", "torch_backend", "onnx_backend", "cache"} <= set(graph)
    state: dict[str, str] = {}

    def visit(module, trail):
        if state.get(module) == "done":
            return
        assert state.get(module) != "open", f"import cycle: {' -> '.join(trail + [module])}"
        state[module] = "open"
        for dependency in sorted(graph.get(module, ())):
            visit(dependency, trail + [module])
        state[module] = "done"

    for module in sorted(graph):
        visit(module, [])
    assert not graph["weights"], "weights.py is the base: it imports no other embed module"


def test_importing_the_package_loads_no_runtime():
    code = ("import sys, plumbline.embed, plumbline.embed.loader, plumbline.embed.cache; "
            "print(sorted(m for m in ('torch', 'onnxruntime', 'sentence_transformers', 'transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=PACKAGE.parents[1]).stdout.strip()
    assert out == "[]"
