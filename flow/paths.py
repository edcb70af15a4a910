"""Where the compiler finds the repository's non-Python sources: hw/ (RTL, HLS, harness, board
data, Vivado templates) and deploy/ (the driver that ships to the board)."""

from pathlib import Path

SOURCE_ROOT = Path(__file__).resolve().parents[1]
HW_DIR = SOURCE_ROOT / "hw"
DEPLOY_DIR = SOURCE_ROOT / "deploy"
