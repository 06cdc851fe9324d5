"""Write (or check) the table of names that ``import aehelpers as ae`` offers: ``aehelpers/_face.py``.

Every public function, class and constant of every module is reachable as ``ae.<name>``; the
table says which module defines it, so the face can import that module only when the name is
first used (theory without Keras stays light).  ``python tools/face.py`` rewrites the table;
``python tools/face.py --check`` exits 1 if it is out of date or two modules define one name
(``tests/test_layers.py`` runs the check).
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "aehelpers"
TABLE = PKG / "_face.py"


def public_names(path: Path) -> list[str]:
    """Top-level public definitions of a module: functions, classes and assigned names."""
    names = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
    return [n for n in names if not n.startswith("_")]


def modules() -> list[tuple[str, Path]]:
    """``(dotted name relative to aehelpers, path)`` of every module, foundation first."""
    out = []
    for path in sorted(PKG.rglob("*.py"), key=lambda p: (len(p.relative_to(PKG).parts), str(p))):
        if path.name.startswith("_"):
            continue
        out.append((".".join(path.relative_to(PKG).with_suffix("").parts), path))
    return out


def build_table() -> tuple[dict[str, str], list[str]]:
    """``{name: module}`` and the list of names defined in more than one module."""
    table, clashes = {}, []
    for module, path in modules():
        for name in public_names(path):
            if name in table and table[name] != module:
                clashes.append(f"{name}: {table[name]} and {module}")
            table.setdefault(name, module)
    return table, clashes


def render(table: dict[str, str]) -> str:
    lines = ['"""Which module defines each name of the face (written by ``tools/face.py``; do not edit)."""',
             "", "FACE = {"]
    by_module: dict[str, list[str]] = {}
    for name, module in table.items():
        by_module.setdefault(module, []).append(name)
    for module, names in by_module.items():
        lines.append(f"    # {module}")
        for name in sorted(names):
            lines.append(f"    {name!r}: {module!r},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    table, clashes = build_table()
    if clashes:
        print("names defined in two modules (rename one):\n  " + "\n  ".join(clashes))
        return 1
    text = render(table)
    if "--check" in argv:
        current = TABLE.read_text(encoding="utf-8") if TABLE.exists() else ""
        if current != text:
            print(f"{TABLE} is out of date: run python tools/face.py")
            return 1
        return 0
    TABLE.write_text(text, encoding="utf-8")
    print(f"{TABLE}: {len(table)} names")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
