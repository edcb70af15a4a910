"""report.html: written by every build, each section holding the figures of report.json and
verification.json, the graph of 30_folded.onnx, and nothing fetched from elsewhere."""

import json
from html.parser import HTMLParser

import onnx

from flow.html import graph
from flow.html.build_report import SECTIONS, render


class Page(HTMLParser):
    """The page's sections, tables (by id: rows of cell texts), graph nodes and every URL."""

    def __init__(self, text: str):
        super().__init__()
        self.sections, self.tables, self.urls, self.tags = [], {}, [], set()
        self.graph_nodes, self._table, self._row, self._cell, self._section = [], None, None, None, None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.add(tag)
        self.urls += [v for k, v in attrs.items() if k in ("src", "href", "xlink:href", "data")]
        if tag == "section":
            self._section = attrs["id"]
            self.sections.append(attrs["id"])
        elif tag == "table":
            self._table = self.tables.setdefault(attrs.get("id"), [])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = ""
        elif tag == "g" and attrs.get("class") == "node" and self._section == "graph":
            self.graph_nodes.append(attrs["id"])

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr":
            self._table.append(self._row)

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def rows(page: Page, table: str) -> list[dict]:
    header, *body = page.tables[table]
    return [dict(zip(header, row, strict=True)) for row in body]


def number(text: str):
    return None if text == "-" else float(text.replace(",", ""))


def external(page: Page) -> list[str]:
    """What the page would fetch: scripts, style sheets, frames, and URLs that are not anchors
    or data inside it."""
    return sorted({t for t in ("script", "link", "iframe", "img") if t in page.tags}
                  | {u for u in page.urls if not u.startswith(("#", "data:"))})


def test_every_build_writes_report_html_with_its_sections(small_build):
    page = Page((small_build / "report.html").read_text())
    assert page.sections == [anchor for anchor, _ in SECTIONS]
    assert external(page) == []


def test_cycles_and_slack_against_the_target(small_build):
    report = json.loads((small_build / "report.json").read_text())
    table = rows(Page((small_build / "report.html").read_text()), "cycles-table")
    ops = [o for o in report["ops"] if o["op_type"] != "FIFO"]
    assert [r["op"] for r in table] == [o["name"] for o in ops]
    target = 100e6 / 20000  # the fixture's --target-fps 20000 at 100 MHz
    for r, o in zip(table, ops, strict=True):
        assert number(r["analytic cycles"]) == o["analytic_cycles"]
        assert number(r["target cycles"]) == target
        assert number(r["slack (%)"]) == round(100 * (1 - o["analytic_cycles"] / target), 1)


def test_resources_of_every_op_fifos_and_width_converters_included(small_build):
    report = json.loads((small_build / "report.json").read_text())
    table = rows(Page((small_build / "report.html").read_text()), "resources-table")
    assert [r["op"] for r in table] == [o["name"] for o in report["ops"]] + ["total"]
    assert "FIFO" in {r["type"] for r in table}  # (width converters too: every op is listed)
    for r, o in zip(table[:-1], report["ops"], strict=True):
        assert [number(r[k]) for k in ("LUT", "FF", "BRAM36", "DSP")] == [
            round(o["resources"][k], 1) for k in ("LUT", "FF", "BRAM36", "DSP")]
    assert number(table[-1]["LUT"]) == round(report["totals"]["estimate"]["LUT"], 1)


def test_memory_shapes_and_ram_styles(small_build):
    report = json.loads((small_build / "report.json").read_text())
    table = rows(Page((small_build / "report.html").read_text()), "memories-table")
    expected = [(o["name"], m["name"], m["width"], m["depth"], m["style"]) for o in report["ops"] for m in o["memories"]]
    assert len(expected) > 0
    assert [(r["op"], r["memory"], number(r["width (bits)"]), number(r["depth (words)"]), r["RAM style"])
            for r in table] == expected


def test_the_ladder_and_every_check(small_build):
    verification = json.loads((small_build / "verification.json").read_text())
    page = Page((small_build / "report.html").read_text())
    ladder = {c["name"].replace("_", " = "): c for cs in verification["steps"].values() for c in cs
              if c["scope"] == "ladder" and c["rule"] in ("exact", "rounding_boundary")}
    table = rows(page, "ladder-table")
    assert {"L2 = L3", "L2 = L4", "L2 = L6"} <= {r["levels"] for r in table}
    assert {r["levels"]: (number(r["inputs"]), r["passed"]) for r in table} == {
        k: (c["inputs"], "yes" if c["passed"] else "no") for k, c in ladder.items()}
    checks = sum(len(cs) for cs in verification["steps"].values())
    assert len(table) + len(rows(page, "checks-table")) == checks


def test_resource_share_by_op_type_adds_up(small_build):
    report = json.loads((small_build / "report.json").read_text())
    table = rows(Page((small_build / "report.html").read_text()), "share-table")
    assert sum(number(r["ops"]) for r in table) == len(report["ops"])
    for kind in ("LUT", "FF", "BRAM36"):
        assert abs(sum(number(r[kind]) for r in table) - report["totals"]["estimate"][kind]) < 0.1 * len(table)
        if report["totals"]["estimate"][kind]:
            assert abs(sum(number(r[f"{kind} %"]) for r in table) - 100) < 0.1 * len(table)


def test_the_graph_has_a_box_per_node(small_build):
    model = onnx.load(str(small_build / "30_folded.onnx"))
    page = Page((small_build / "report.html").read_text())
    ends = len(model.graph.input) + len(model.graph.output)
    assert len(page.graph_nodes) == len(model.graph.node) + ends


def test_without_graphviz_the_page_says_so(small_build, monkeypatch):
    monkeypatch.setattr(graph.shutil, "which", lambda _: None)
    model = onnx.load(str(small_build / "30_folded.onnx"))
    assert graph.graph_svg(model) is None
    report = json.loads((small_build / "report.json").read_text())
    verification = json.loads((small_build / "verification.json").read_text())
    text = render(report, verification, None)
    assert "dot is not installed" in text and Page(text).graph_nodes == []


def test_the_self_containment_check_finds_what_a_page_fetches():
    page = Page('<html><script src="https://cdn.example/x.js"></script><img src="data:image/png;base64,AA">'
                '<a href="#cycles">c</a><svg><image xlink:href="http://example.org/p.png"/></svg></html>')
    assert external(page) == ["http://example.org/p.png", "https://cdn.example/x.js", "img", "script"]


def test_a_failed_check_shows(small_build):
    report = json.loads((small_build / "report.json").read_text())
    verification = json.loads((small_build / "verification.json").read_text())
    verification["passed"], verification["failures"] = False, ["rtlsim: L2_L4 <3 mismatches>"]
    next(c for c in verification["steps"]["rtlsim"] if c["name"] == "L2_L4")["passed"] = False
    text = render(report, verification, None)
    page = Page(text)
    assert [r["passed"] for r in rows(page, "ladder-table") if r["levels"] == "L2 = L4"] == ["no"]
    assert "rtlsim: L2_L4 &lt;3 mismatches&gt;" in text and '<span class="fail">FAIL</span>' in text
