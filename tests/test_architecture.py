"""The package's import rules (docs/architecture.md, "What may import what"), checked on the source with ``ast``.

Every import counts, at module level or inside a function: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "storyline"

# Layers, lowest first: a module may import its own layer and the layers below it, never one above.
# ``storyline/__init__.py`` (the version only) is below all of them; ``cli``, ``analyze`` and
# ``__main__`` are the top.
LAYERS = ["core", "inputs", "article", "store", "corpus", "present", "eval", "top"]


def module_name(path: Path) -> str:
    parts = ["storyline", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1]) if parts[-1] == "__init__" else ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


MODULES = modules()


def layer_of(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1:
        return -1  # the root package: the version, imports nothing
    name = parts[1] if len(parts) > 2 or parts[1] in LAYERS else "top"
    return LAYERS.index(name)


def imports_of(module: str, path: Path) -> list[tuple[str, str | None, int]]:
    """``(imported module, imported name or None, line)`` for every storyline import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, None, node.lineno) for alias in node.names if alias.name.split(".")[0] == "storyline"]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            if base.split(".")[0] != "storyline":
                continue
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                if submodule in MODULES:
                    found.append((submodule, None, node.lineno))
                else:
                    found.append((base, alias.name, node.lineno))
    return found


def graph() -> dict[str, set[str]]:
    return {module: {target for target, _, _ in imports_of(module, path) if target != module} for module, path in MODULES.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_architecture_finds_every_module_and_its_imports():
    # The walk sees the package: the rules below are not vacuous.
    assert {"storyline.core.pipeline", "storyline.article.statements", "storyline.corpus.claims", "storyline.cli"} <= set(MODULES)
    assert "storyline.core.records" in graph()["storyline.article.statements"]


def test_architecture_detects_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_architecture_has_no_import_cycles():
    assert cycles(graph()) == []


def test_architecture_layers_point_one_way():
    wrong = []
    for module, path in MODULES.items():
        for target, _, line in imports_of(module, path):
            if layer_of(target) > layer_of(module):
                wrong.append(f"{path.relative_to(PACKAGE)}:{line} imports {target}")
    assert wrong == [], "\n".join(wrong)


def test_architecture_core_imports_only_core():
    for module, path in MODULES.items():
        if module.startswith("storyline.core"):
            outside = [t for t, _, _ in imports_of(module, path) if not t.startswith("storyline.core") and t != "storyline"]
            assert outside == [], module


@pytest.mark.parametrize("layer", ["inputs", "article"])
def test_architecture_inputs_and_article_never_import_corpus_store_or_present(layer):
    for module, path in MODULES.items():
        if module.startswith(f"storyline.{layer}"):
            banned = [t for t, _, _ in imports_of(module, path) if t.split(".")[1:2] in (["corpus"], ["store"], ["present"])]
            assert banned == [], module


def test_architecture_no_private_name_crosses_modules():
    crossing = []
    for module, path in MODULES.items():
        for target, name, line in imports_of(module, path):
            if name and name.startswith("_") and not name.startswith("__") and target != module:
                crossing.append(f"{path.relative_to(PACKAGE)}:{line} imports {target}.{name}")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = {alias.asname or alias.name: alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                   for alias in node.names if alias.name.startswith("storyline.")}
        aliases |= {alias.asname or alias.name: f"{node.module}.{alias.name}" for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("storyline")
                    for alias in node.names if f"{node.module}.{alias.name}" in MODULES}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                    and node.attr.startswith("_") and not node.attr.startswith("__")):
                crossing.append(f"{path.relative_to(PACKAGE)}:{node.lineno} uses {aliases[node.value.id]}.{node.attr}")
    assert crossing == [], "\n".join(crossing)


def test_architecture_stage_modules_exist_and_hold_their_stage():
    from storyline.core.pipeline import CORPUS_STAGES, PER_ARTICLE_STAGES, STAGE_MODULES

    assert set(STAGE_MODULES) == set(PER_ARTICLE_STAGES) | set(CORPUS_STAGES)
    for stage in PER_ARTICLE_STAGES:
        source = MODULES[f"storyline.{STAGE_MODULES[stage]}"].read_text(encoding="utf-8")
        assert f'@register_stage("{stage}")' in source, stage
    for stage in CORPUS_STAGES:
        tree = ast.parse(MODULES[f"storyline.{STAGE_MODULES[stage]}"].read_text(encoding="utf-8"))
        functions = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        assert f"blocked_{stage}" in functions, stage


def test_architecture_one_implementation_per_corpus_stage():
    # No registered in-process twin beside ``blocked_<stage>``: corpus stages are not pipeline stages.
    for module, path in MODULES.items():
        if module.startswith("storyline.corpus."):
            assert "@register_stage(" not in path.read_text(encoding="utf-8"), module
