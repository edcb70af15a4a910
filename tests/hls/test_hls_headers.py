"""The ap_types headers: fetched once from the pinned hls4ml wheel, only that folder, with its licence."""

from flow.backends.hls.headers import NOTICE, WHEEL_SHA256, ap_types_dir


def test_ap_types_folder_holds_the_headers_and_their_licence():
    folder = ap_types_dir()
    assert (folder / "ap_int.h").is_file() and (folder / "hls_stream.h").is_file()
    assert "Apache License" in (folder / "LICENSE").read_text()
    assert (folder / "NOTICE").read_text() == NOTICE and WHEEL_SHA256 in NOTICE
    # nothing of hls4ml but the ap_types folder: headers, their two subfolders, licence, notice
    extra = {p.name for p in folder.iterdir()} - {"LICENSE", "NOTICE", "etc", "utils"}
    assert extra and all(name.endswith(".h") for name in extra), extra
    assert ap_types_dir() == folder  # the second call reuses the cache
