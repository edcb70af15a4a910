"""Writing one self-contained HTML page: no scripts, styles or images fetched from anywhere, every
plot an inline SVG. The build report uses it, and any other page can (a sweep's results).

    from flow.html.page import document, link, pyplot, section, svg_of, table
    fig, ax = pyplot().subplots()
    rows = [["MVAU_0", 32400, link("b/report.html", "report")]]
    html = document("title", [section("Cycles", svg_of(fig), table(["op", "cycles", ""], rows), id="cycles")])
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from html import escape

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 1200px; color: #222; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; } th { background: #f0f0f0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.pass { color: #176f2c; font-weight: bold; } .fail { color: #b00020; font-weight: bold; }
.note { color: #555; font-size: 0.9em; } figure { margin: 0.6em 0; overflow-x: auto; }
nav a { margin-right: 1em; }
"""


class Html(str):
    """Markup that goes into a page as is (a link in a table cell); plain strings are escaped."""


def document(title: str, body: Iterable[str], nav: Sequence[tuple[str, str]] = ()) -> str:
    """A whole page: `body` is HTML fragments in order; `nav` (anchor id, label) pairs become a
    table of contents at the top."""
    links = "".join(f'<a href="#{escape(a)}">{escape(label)}</a>' for a, label in nav)
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
            f"<h1>{escape(title)}</h1>\n" + (f"<nav>{links}</nav>\n" if links else "")
            + "\n".join(body) + "\n</body>\n</html>\n")


def section(title: str, *parts: str, id: str) -> str:
    """A titled section (its `id` is the anchor the navigation and the tests use)."""
    return f'<section id="{escape(id)}">\n<h2>{escape(title)}</h2>\n' + "\n".join(parts) + "\n</section>"


def paragraph(text: str, cls: str | None = None) -> str:
    return f"<p{_attr('class', cls)}>{escape(text)}</p>"


def _attr(name: str, value: str | None) -> str:
    return f' {name}="{escape(value)}"' if value else ""


def cell(value, digits: int = 0) -> str:
    """A table cell's text: thousands separated, `digits` decimals for floats with a fraction,
    "-" for None."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(header: Sequence[str], rows: Iterable[Sequence], digits: Sequence[int] | None = None,
          id: str | None = None) -> str:
    """A table of plain values: numbers right-aligned and formatted by cell() (`digits`: decimals
    per column), True/False as a green yes / red no, None as "-"; strings are escaped, Html
    (a link()) is not."""
    def td(value, col):
        if isinstance(value, Html):
            return f"<td>{value}</td>"
        text = escape(cell(value, digits[col] if digits else 0))
        if isinstance(value, bool):
            return f'<td class="{"pass" if value else "fail"}">{text}</td>'
        return f'<td class="num">{text}</td>' if isinstance(value, (int, float)) else f"<td>{text}</td>"

    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "\n".join("<tr>" + "".join(td(v, i) for i, v in enumerate(row)) + "</tr>" for row in rows)
    return (f"<table{_attr('id', id)}>\n<thead><tr>{head}</tr></thead>\n"
            f"<tbody>\n{body}\n</tbody>\n</table>")


def link(href: str, text: str) -> Html:
    return Html(f'<a href="{escape(href)}">{escape(text)}</a>')


def pyplot():
    """matplotlib.pyplot on the Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def svg_of(fig) -> str:
    """A matplotlib figure as an inline <svg> element (text kept as text), then closed."""
    plt = pyplot()

    buffer = io.StringIO()
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "qnnflow"}):
        fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    return figure(buffer.getvalue())


def figure(svg: str) -> str:
    """An SVG document (XML declaration and doctype dropped) inside a <figure>."""
    return "<figure>" + svg[svg.index("<svg"):] + "</figure>"
