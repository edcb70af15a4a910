"""Jinja2 for every generated file (Verilog, C++, Tcl): undefined names are errors, so a
template never leaves a silent blank in generated code."""

from pathlib import Path

import jinja2


def template_env(directory: Path) -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(directory), undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
