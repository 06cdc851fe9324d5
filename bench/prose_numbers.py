"""Numbers quoted in a notebook's prose, looked for in what its run printed (issue #27).

    .venv/bin/python -m bench.prose_numbers build/bench-executed/*.ipynb

``check(nb, name)`` takes an *executed* notebook and returns one ``Mismatch(notebook, cell, number,
context)`` for each number quoted in a markdown cell that no output of the notebook shows.  The CLI
prints them and exits 1 when there is any.  ``bench/run.py``'s section ``series_s`` runs it on the
notebooks its full runs executed and records ``series_s.prose_mismatches``.

What counts as a quoted number (markdown cells only; a number a code cell shows through
``display(Markdown(...))`` is an output, not prose):

* decimals (``0.0928``), percentages (``93 %``), ratios (``3.1×``, ``0.70 × the seed's``), and integers
  with at least two significant digits (``146``, ``16,384``; not ``50``, ``60,000``: round numbers are
  settings);
* not a number inside code spans or fenced code, ``$…$``/``$$…$$`` math, HTML tags and comments, link
  targets, block-quote marks or heading lines (section numbers);
* not a shape or an architecture, integers joined by ``×``, ``x``, ``-``, ``→`` or ``/`` (``28 × 28``,
  ``784-32-784``, ``784 → 2 → 784``, ``3/1/3``, ``4,000 / 1,000``); not a range of values from 0 or 1
  (``0–255``, ``1 to 784``); not a number in scientific notation (``1e-4``, ``10⁻⁷``) or glued to a
  letter (``x64``, ``L1``, ``2ᵖ``), nor a bit string (``111``); not the result of the reader's own
  arithmetic, a number right after ``=`` whose left side ends in a digit (``2⁸ = 256``);
* not a reference: a number after *notebook(s), appendix, section(s), §, exercise(s), cell(s), step,
  part, chapter, equation, figure, table, row, column, line, version, Python, Keras, TensorFlow, NumPy*
  (with the lists that follow them: "notebooks 02, 03 and 04"), a notebook id with a leading zero
  (``04``), a year 1900–2099 (citations), an integer 0–9 (MNIST classes, counts, list items; ``5 %`` and ``2×``
  are kept);
* not a parameter: a number after ``p =``, ``n ≈`` … (the symbols ``n p m k K i j t q d s N T β λ σ``),
  a threshold (after ``<``, ``>``, ``≤``, ``≥``), a value the reader is invited to *try*, or one whose
  value a code cell of the notebook spells (``epochs = 8`` makes "8 epochs" in
  the prose a definition; for a percentage, its value or its value / 100);
* not a number the cell marks as quoted from elsewhere, ``<!-- not from the run: 0.094, 0.11 -->``
  (the post's figures, a paper's).

How a number is looked for: every number of every output (stream text, ``text/plain``,
``text/markdown``, ``text/html`` without its tags, ``text/latex``; a percentage also as a fraction,
signs dropped) is a candidate.  A prose number matches a candidate that rounds to it at the prose's
precision (``0.09`` matches ``0.0928``; ``146`` matches ``146.3``; ``1,500`` matches ``1,523``); a
percentage also matches the fraction (``93 %`` matches ``0.932``); after *about, around, roughly,
nearly, near, some, approximately, ~, ≈* it matches within ± 10 %.
"""
from __future__ import annotations

import argparse
import bisect
import html
import json
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

_NUMBER = re.compile(r"(?<![\w.])([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]+))?(?![\w])")
_CHAIN = re.compile(r"(?<![\w.])[0-9][0-9,]*(?:(?:\s*[×→/]\s*|x|-)[0-9][0-9,]*)+(?!\w|[.,][0-9])")
_SUPERSCRIPT = "[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+"
_SCIENTIFIC = re.compile(rf"[0-9]+(?:\.[0-9]+)?(?:[eE][-−+]?[0-9]+|\s*[×·]\s*10{_SUPERSCRIPT}|{_SUPERSCRIPT})")
_BLANKED = [
    re.compile(r"```.*?```|~~~.*?~~~", re.S),  # fenced code
    re.compile(r"`[^`\n]*`"),  # code spans
    re.compile(r"\$\$.+?\$\$", re.S),  # display math
    re.compile(r"(?<![\\$])\$[^$\n]+?\$"),  # inline math
    re.compile(r"<!--.*?-->", re.S),  # comments (the marker is read before)
    re.compile(r"</?[A-Za-z][^<>\n]*>"),  # HTML tags
    re.compile(r"^ {0,3}(?:> ?)+", re.M),  # block-quote marks
    re.compile(r"\]\([^)\s]*\)"),  # link targets
    re.compile(r"^ {0,3}#.*$", re.M),  # headings: section numbers
]
_MARKER = re.compile(r"<!--\s*not from the run:([^>]*?)-->", re.I)
_REFERENCE = re.compile(
    r"(?:\bnotebooks?|\bappendix|\bappendices|\bsections?|§|\bexercises?|\bcells?|\bsteps?|\bparts?|\bchapters?|"
    r"\beq\.|\bequations?|\bfigures?|\bfig\.|\btables?|\brows?|\bcolumns?|\blines?|\bversions?|\bPython|\bKeras|"
    r"\bTensorFlow|\bNumPy|\btry)\s*(?:\(?[0-9]+[a-z]?\)?\s*(?:,|and|or|to|–|-|…)\s*)*\(?$", re.I)
_ARITHMETIC = re.compile(r"[0-9⁰¹²³⁴⁵⁶⁷⁸⁹)]\s*=\s*$")  # 2⁸ = 256, 784 × 32 + 32 = 25,120: the reader's sum
# 0–255, 0–9, 1 to 784: a range of values
_DOMAIN = re.compile(r"(?<![\w.,])[01]\s*(?:[–-]|\bto\b)\s*[0-9][0-9,]*(?!\w|[.,][0-9])")
_PARAMETER = re.compile(r"(?:(?<![\w])[npmkKijtqdsNTβλσ]\s*[=≈]|[<>≤≥])\s*(?:[0-9.,]+\s*(?:,|…|to|and|or)\s*)*$")
_ABOUT = re.compile(r"(?:\babout|\baround|\broughly|\bnearly|\bnear|\bsome|\bapproximately|\balmost|~|≈|∼)\s*$",
                    re.I)
_OUT_NUMBER = re.compile(r"(?<![\w.])(?:[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)")


@dataclass(frozen=True)
class Quoted:
    """One number of the prose: ``value`` as written, ``tolerance`` the rounding it allows."""

    text: str
    value: float
    tolerance: float
    percent: bool
    start: int
    end: int


@dataclass(frozen=True)
class Mismatch:
    notebook: str
    cell: int
    number: str
    context: str

    def __str__(self) -> str:
        return f"{self.notebook} cell {self.cell}: {self.number} — …{self.context}…"

    def short(self, width: int = 60) -> str:
        """One line for results.json: notebook, cell, number and a little of the sentence."""
        return f"{self.notebook} cell {self.cell}: {self.number} ({self.context[:width]})"


def _blank(text: str, pattern: re.Pattern) -> str:
    return pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def _value(integer: str, fraction: str | None) -> float:
    return float(integer.replace(",", "") + ("." + fraction if fraction else ""))


def quoted_numbers(markdown: str, defined=()) -> list[Quoted]:
    """The numbers ``markdown`` quotes, by the rules of the module docstring; ``defined``: values the code spells."""
    ignored = {v for m in _MARKER.finditer(markdown) for v in _numbers_in(m.group(1))}
    text = markdown
    for pattern in (*_BLANKED, _SCIENTIFIC, _CHAIN, _DOMAIN):
        text = _blank(text, pattern)
    defined = sorted(defined)
    out = []
    for m in _NUMBER.finditer(text):
        integer, fraction = m.group(1), m.group(2)
        value = _value(integer, fraction)
        after = text[m.end():m.end() + 3]
        before = text[max(0, m.start() - 40):m.start()]
        percent = bool(re.match(r"\s?%", after)) or text[m.end():m.end() + 9] == " per cent"
        ratio = bool(re.match(r"\s?×", after))
        if _REFERENCE.search(before) or _PARAMETER.search(before) or value in ignored \
                or _ARITHMETIC.search(markdown[max(0, m.start() - 8):m.start()]):  # before blanking: 2⁸ = 256
            continue
        if fraction is None and not percent and not ratio:
            digits = integer.replace(",", "")
            if (len(digits) > 1 and digits.startswith("0")) or 1900 <= value <= 2099 \
                    or len(digits.rstrip("0")) < 2 or set(integer) <= {"0", "1"}:
                continue  # a notebook id, a year, a single digit, a round setting, a bit string (111)
        if _near(value, defined) or (percent and _near(value / 100, defined)):
            continue
        if fraction:
            tolerance = 0.5 * 10 ** -len(fraction)
        else:
            digits = integer.replace(",", "")
            tolerance = 0.5 * 10 ** (len(digits) - len(digits.rstrip("0")))
        if _ABOUT.search(before):
            tolerance = max(tolerance, 0.1 * value)
        out.append(Quoted(m.group(0), value, tolerance, percent, m.start(), m.end()))
    return out


def _near(value: float, values: list[float]) -> bool:
    i = bisect.bisect_left(values, value - 1e-9 * max(1.0, value))
    return i < len(values) and math.isclose(values[i], value, rel_tol=1e-9, abs_tol=1e-12)


def _numbers_in(text: str) -> list[float]:
    """Every number of ``text`` (output or code), signs dropped; one followed by ``%`` also as a fraction."""
    out = []
    for m in _OUT_NUMBER.finditer(text):
        try:
            value = float(m.group(0).replace(",", ""))
        except ValueError:
            continue
        out.append(value)
        if re.match(r"\s?%", text[m.end():m.end() + 2]):
            out.append(value / 100)
    return out


def _joined(text) -> str:
    return "".join(text) if isinstance(text, list) else str(text or "")


def _html_text(text: str) -> str:
    text = re.sub(r"<(style|script)\b.*?</\1>", " ", text, flags=re.S | re.I)
    text = re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+", " ", text)
    return html.unescape(re.sub(r"<[^>]*>", " ", text))


def output_texts(nb) -> list[str]:
    """What the run showed: stream text and the text, markdown, HTML (tags dropped) and LaTeX of displays."""
    texts = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []) if cell["cell_type"] == "code" else []:
            if out.get("output_type") == "stream":
                texts.append(_joined(out.get("text")))
            data = out.get("data", {})
            for mime in ("text/plain", "text/markdown", "text/latex"):
                if mime in data:
                    texts.append(_joined(data[mime]))
            if "text/html" in data:
                texts.append(_html_text(_joined(data["text/html"])))
    return texts


def output_numbers(nb) -> list[float]:
    """Every number the run showed, sorted (see ``output_texts``)."""
    return sorted(v for text in output_texts(nb) for v in _numbers_in(text))


def code_numbers(nb) -> list[float]:
    """Every number literal of the notebook's code cells (``1e-4``, ``60_000`` included), sorted."""
    values = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            values += _numbers_in(_joined(cell["source"]).replace("_", ""))
    return sorted(set(values))


def matches(q: Quoted, values: list[float]) -> bool:
    """``q`` is shown by some value of the sorted ``values``, at the prose's rounding."""
    targets = [(q.value, q.tolerance)] + ([(q.value / 100, q.tolerance / 100)] if q.percent else [])
    for value, tolerance in targets:
        tol = tolerance * (1 + 1e-9) + 1e-12
        i = bisect.bisect_left(values, value - tol)
        if i < len(values) and values[i] <= value + tol:
            return True
    return False


def _context(source: str, q: Quoted, width: int = 45) -> str:
    left, right = source[max(0, q.start - width):q.start], source[q.end:q.end + width]
    return " ".join(f"{left}{q.text}{right}".split())


def check(nb, name: str = "notebook") -> list[Mismatch]:
    """Each number quoted in a markdown cell of the executed ``nb`` that no output shows."""
    values, defined = output_numbers(nb), code_numbers(nb)
    out = []
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        source = _joined(cell["source"])
        for q in quoted_numbers(source, defined):
            if not matches(q, values):
                out.append(Mismatch(name, index, q.text + ("%" if q.percent else ""), _context(source, q)))
    return out


def check_files(paths) -> list[Mismatch]:
    """``check`` for each executed notebook file; a notebook without any output is reported as not executed."""
    out = []
    for path in map(Path, paths):
        nb = json.loads(path.read_text(encoding="utf-8"))
        if not any(c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code"):
            raise SystemExit(f"{path} has no outputs: give executed notebooks (build/bench-executed/*.ipynb)")
        out += check(nb, path.stem)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", help="executed notebooks, e.g. build/bench-executed/*.ipynb")
    args = parser.parse_args(argv)
    found = check_files(args.notebooks)
    for m in found:
        print(m)
    print(f"{len(found)} number(s) quoted in prose and not found in the outputs of {len(args.notebooks)} notebook(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
