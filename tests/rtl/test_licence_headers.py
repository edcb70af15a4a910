"""Every hardware source (hw/rtl, hw/hls, hw/sim) and every Verilog/C++ template (so every
generated file) opens with the project's SPDX licence header."""

from pathlib import Path

from flow.paths import SOURCE_ROOT

TEMPLATES = sorted((SOURCE_ROOT / "flow").rglob("templates/*.j2"))  # generated files' templates

ROOT = Path(__file__).resolve().parents[2]
SPDX = "SPDX-License-Identifier: BSD-3-Clause"
COPYRIGHT = "Copyright (c) 2026 the qnnflow authors"


def licensed_files() -> list[Path]:
    files = [p for d in ("rtl", "hls", "sim") for p in (ROOT / "hw" / d).iterdir() if p.is_file()]
    return files + [p for p in TEMPLATES if p.name.split(".")[-2] in ("v", "cpp", "hpp")]


def missing_header(path: Path) -> bool:
    head = path.read_text().splitlines()[:2]
    return len(head) < 2 or SPDX not in head[0] or COPYRIGHT not in head[1]


def test_every_hardware_source_and_template_has_the_licence_header():
    files = licensed_files()
    assert len(files) > 30 and any(p.suffix == ".j2" for p in files)
    assert [p.relative_to(ROOT) for p in files if missing_header(p)] == []


def test_a_file_without_it_is_found(tmp_path):
    (tmp_path / "bare.v").write_text("`resetall\nmodule bare;\nendmodule\n")
    assert missing_header(tmp_path / "bare.v")
