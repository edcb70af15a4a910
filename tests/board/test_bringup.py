"""The bring-up kit: deploy/ carries Vivado's bitstream when Vivado ran and design.json says which
it holds; a board's validate JSON is checked and stored as measured silicon figures."""

import hashlib
import json

import pytest

from flow.board.bitstream import emulated_bit
from flow.board.facts import read_facts, write_facts
from flow.board.package import deploy_bitstream
from flow.board.silicon import IngestError, check, ingest


@pytest.fixture
def emulated_validate_json(small_build, tmp_path):
    """What deploy.validate wrote in the small build's L6 on the emulated board (board.json keeps it)."""
    path = tmp_path / "validate.json"
    path.write_text((small_build / "board" / "board.json").read_text())
    return path


def _build(tmp_path):
    (tmp_path / "deploy").mkdir()
    (tmp_path / "vivado" / "out").mkdir(parents=True)
    write_facts(tmp_path, {"name": "net", "bitfile": "net.bit"})
    (tmp_path / "deploy" / "net.bit").write_bytes(emulated_bit("net", "xc7z020clg400-1", {"build": "net"}))
    (tmp_path / "deploy" / "net.hwh").write_text("<EDKSYSTEM/>")
    (tmp_path / "vivado" / "out" / "net.bit").write_bytes(b"vivado's configuration frames")
    (tmp_path / "vivado" / "out" / "net.hwh").write_text("<EDKSYSTEM>vivado</EDKSYSTEM>")
    return tmp_path


def test_deploy_holds_vivados_bitstream_when_vivado_ran(tmp_path):
    out = _build(tmp_path)
    emulated = deploy_bitstream(out, "net", vivado_ran=False)
    assert emulated["source"] == "emulated"
    assert emulated["bit_sha256"] == hashlib.sha256((out / "deploy" / "net.bit").read_bytes()).hexdigest()
    real = deploy_bitstream(out, "net", vivado_ran=True)
    assert (out / "deploy" / "net.bit").read_bytes() == b"vivado's configuration frames"
    assert (out / "deploy" / "net.hwh").read_text() == "<EDKSYSTEM>vivado</EDKSYSTEM>"
    assert read_facts(out)["bitstream"] == real
    assert real == {"source": "vivado",
                    "bit_sha256": hashlib.sha256(b"vivado's configuration frames").hexdigest(),
                    "hwh_sha256": hashlib.sha256(b"<EDKSYSTEM>vivado</EDKSYSTEM>").hexdigest()}


def test_ingest_takes_a_validate_json(emulated_validate_json, tmp_path):
    with pytest.raises(IngestError, match="not silicon"):
        ingest(emulated_validate_json, tmp_path / "silicon")
    stored = ingest(emulated_validate_json, tmp_path / "silicon", accept_emulated=True)
    result = json.loads(stored.read_text())
    assert result["emulated"] is True and result["L2_L6"]["mismatches"] == 0
    table = stored.with_suffix(".md").read_text()
    assert "EMULATED, not silicon" in table and f"| {result['throughput'][0]['batch']} |" in table


def test_ingest_names_what_is_wrong(emulated_validate_json):
    good = json.loads(emulated_validate_json.read_text())
    check(good)
    cases = {"L2_L6.inputs: expected int": lambda r: r["L2_L6"].pop("inputs"),
             "disagree": lambda r: r["L2_L6"].update(mismatches=3),
             "not batch x clock / cycles": lambda r: r["throughput"][0].update(cycles=1),
             "throughput: no batch": lambda r: r.update(throughput=[]),
             "bitstream.source": lambda r: r["bitstream"].update(source="guessed")}
    for message, spoil in cases.items():
        bad = json.loads(json.dumps(good))
        spoil(bad)
        with pytest.raises(IngestError, match=message):
            check(bad)
