"""The compiler's layout, read from its import statements: the compiler imports no application
(models/, flow/targets/), and no modules import each other in a loop."""

import networkx as nx

from flow.paths import SOURCE_ROOT
from tests.import_graph import application_imports, cycles, import_graph


def test_the_compiler_imports_no_application():
    assert application_imports(SOURCE_ROOT) == {}


def test_no_import_cycles():
    assert cycles(import_graph(SOURCE_ROOT)) == []


def test_the_cycle_finder_finds_cycles():
    assert cycles(nx.DiGraph([("a", "b"), ("b", "a"), ("c", "a")])) == [["a", "b"]]
    assert cycles(nx.DiGraph([("a", "b"), ("b", "c")])) == []
    assert cycles(nx.DiGraph([("a", "a")])) == [["a"]]
