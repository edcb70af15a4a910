"""Streamlining: a cleaned QONNX graph -> the integer graph (10_integer.onnx)."""

from flow.streamline.errors import UnsupportedGraph
from flow.streamline.integerize import integerize

__all__ = ["UnsupportedGraph", "integerize"]
