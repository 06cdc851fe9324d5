"""Write (or check) CONTRIBUTING.md's module map from the module docstrings.

    python tools/module_map.py            rewrite the map between the two marker lines
    python tools/module_map.py --check    exit 1 if the map is out of date (tests/test_module_map.py)

The map lists the package folder by folder (the foundation, ``theory/``, ``nets/``, ``views/``):
each folder with the first line of its ``__init__`` docstring, each module with the first line of
its own docstring and the notebook its docstring names ("Introduced in notebook NN").  To change
what the map says about a module, change the module's docstring and run this script.
"""
from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "aehelpers"
CONTRIBUTING = ROOT / "CONTRIBUTING.md"
BEGIN = "<!-- module map: written by tools/module_map.py from the module docstrings; do not edit by hand -->"
END = "<!-- end of module map -->"
LAYERS = (
    ("", "Foundation", "`aehelpers/*.py`: set-up, files, data, probes, checks, the cache; imports nothing above it."),
    ("theory", "Theory", None),
    ("nets", "Nets", None),
    ("views", "Views", None),
)
INTRODUCED = re.compile(r"Introduced\s+in\s+notebook\s+(\d\d[a-z]?)\b")


def docstring(path: Path) -> str:
    return ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""


def first_line(text: str) -> str:
    """The docstring's summary: its first paragraph, on one line."""
    return " ".join(text.strip().split("\n\n", 1)[0].split()) if text.strip() else "(no docstring)"


def notebook_link(text: str) -> str:
    match = INTRODUCED.search(text)
    if not match:
        return "—"
    found = sorted((ROOT / "notebooks").glob(f"{match.group(1)}_*.ipynb"))
    return f"[{match.group(1)}](notebooks/{found[0].name})" if found else match.group(1)


def _cell(text: str) -> str:
    """Docstring text as a Markdown table cell: reST's double backticks become single ones, pipes are escaped."""
    return text.replace("``", "`").replace("|", "\\|")


def render() -> str:
    """The map as Markdown, markers included."""
    out = [BEGIN]
    for folder, title, about in LAYERS:
        where = PKG / folder if folder else PKG
        if about is None:
            about = f"`aehelpers/{folder}/`: {_cell(first_line(docstring(where / '__init__.py')))}"
        out += ["", f"### {title}", "", about, "", "| module | what | introduced in |", "|---|---|---|"]
        for path in sorted(where.glob("*.py")):
            if path.name.startswith("_"):
                continue
            text = docstring(path)
            name = f"{folder}/{path.name}" if folder else path.name
            out.append(f"| `{name}` | {_cell(first_line(text))} | {notebook_link(text)} |")
    out += ["", END]
    return "\n".join(out)


def updated(contributing: str) -> str:
    """``contributing`` with the text between the markers replaced by a fresh map."""
    if BEGIN not in contributing or END not in contributing:
        raise SystemExit(f"{CONTRIBUTING.name} lacks the marker lines:\n{BEGIN}\n{END}")
    head, rest = contributing.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    return head + render() + tail


def main(argv: list[str]) -> int:
    current = CONTRIBUTING.read_text(encoding="utf-8")
    fresh = updated(current)
    if argv[:1] == ["--check"]:
        if fresh != current:
            print(f"{CONTRIBUTING.name}'s module map is out of date: run `python tools/module_map.py`")
            return 1
        return 0
    if argv:
        print(__doc__, file=sys.stderr)
        return 2
    if fresh != current:
        CONTRIBUTING.write_text(fresh, encoding="utf-8")
        print(f"rewrote the module map in {CONTRIBUTING.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
