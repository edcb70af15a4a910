"""The simulator cache keeps each entry's product and nothing else, and builds an entry once."""

from flow.backends.build_cache import build_once


def _build(calls):
    def build(staging):
        calls.append(staging)
        (staging / "sim").write_text("binary")
        (staging / "Vtop.cpp").write_text("generated")
        (staging / "objects").mkdir()
        (staging / "objects" / "Vtop.o").write_text("object")
    return build


def test_an_entry_keeps_its_product_alone_and_is_built_once(tmp_path):
    calls = []
    binary = build_once(tmp_path / "top-abc", "sim", _build(calls))
    assert binary == tmp_path / "top-abc" / "sim" and binary.read_text() == "binary"
    assert [p.name for p in binary.parent.iterdir()] == ["sim"]
    assert build_once(tmp_path / "top-abc", "sim", _build(calls)) == binary
    assert len(calls) == 1
    # no staging folder is left beside the entry
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")) == ["top-abc"]


def test_an_entry_made_with_its_intermediates_loses_them_when_used(tmp_path):
    entry = tmp_path / "top-old"
    (entry / "obj").mkdir(parents=True)
    (entry / "sim").write_text("binary")
    (entry / "Vtop.mk").write_text("make")
    (entry / "obj" / "a.o").write_text("object")
    calls = []
    assert build_once(entry, "sim", _build(calls)).read_text() == "binary"
    assert not calls and [p.name for p in entry.iterdir()] == ["sim"]
