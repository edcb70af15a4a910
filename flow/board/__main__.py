"""python -m flow.board serve BUILD_DIR: the emulated board (flow/board/emulator/cli.py)."""

from flow.board.emulator.cli import main

raise SystemExit(main())
