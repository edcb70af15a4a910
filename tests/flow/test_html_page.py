"""flow/html/page.py: tables that escape what they are given, and plots inline."""

from flow.html.page import Html, cell, document, link, pyplot, section, svg_of, table


def test_cells_are_formatted_and_escaped_links_are_not():
    html = table(["a", "b", "c", "d"], [["<x>", 1234567, 0.125, True], [None, 2.0, False, link("r/report.html", "r&d")]],
                 digits=[0, 0, 2, 0])
    assert "<td>&lt;x&gt;</td>" in html and '<td class="num">1,234,567</td>' in html
    assert '<td class="num">0.12</td>' in html and '<td class="pass">yes</td>' in html
    assert '<td class="fail">no</td>' in html and "<td>-</td>" in html and '<td class="num">2</td>' in html
    assert '<td><a href="r/report.html">r&amp;d</a></td>' in html and isinstance(link("a", "b"), Html)
    assert cell(3.14159, 3) == "3.142" and cell(None) == "-"


def test_a_plot_is_an_inline_svg_and_the_page_fetches_nothing():
    fig, ax = pyplot().subplots()
    ax.plot([1, 2], [3, 4], label="cycles <per> op")
    ax.legend()
    page = document("t & u", [section("S", svg_of(fig), id="s")], nav=[("s", "S")])
    assert page.startswith("<!DOCTYPE html>") and "<title>t &amp; u</title>" in page
    assert "<figure><svg" in page and "cycles &lt;per&gt; op" in page  # text kept as text
    assert "<script" not in page and "<?xml" not in page and "DOCTYPE svg" not in page
