"""python -m flow.board pynq-env | ingest (flow/board/cli.py)."""

from flow.board.cli import main

raise SystemExit(main())
