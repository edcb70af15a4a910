"""The hardware ops, registered as the qonnx custom-op domain `flow.ops`."""

from flow.ops.add_streams import AddStreams
from flow.ops.base import DOMAIN, FoldingError, HWOp, Stream
from flow.ops.bilinear_crop import BilinearCrop
from flow.ops.channel_scale import ChannelScale
from flow.ops.channel_sum import VVAU, GlobalSum
from flow.ops.concat_streams import ConcatStreams
from flow.ops.correlation import Correlation
from flow.ops.duplicate_streams import DuplicateStreams
from flow.ops.label_select import LabelSelect
from flow.ops.maxpool import MaxPool
from flow.ops.mvau import MVAU
from flow.ops.sliding_window import SlidingWindow
from flow.ops.stream_plumbing import FIFO, DataWidthConverter
from flow.ops.thresholding import Thresholding
from flow.ops.upscale import Upscale

__all__ = [
    "DOMAIN",
    "AddStreams",
    "BilinearCrop",
    "FIFO",
    "MVAU",
    "ChannelScale",
    "ConcatStreams",
    "Correlation",
    "DataWidthConverter",
    "DuplicateStreams",
    "FoldingError",
    "GlobalSum",
    "HWOp",
    "LabelSelect",
    "MaxPool",
    "SlidingWindow",
    "Stream",
    "Thresholding",
    "Upscale",
    "VVAU",
]
