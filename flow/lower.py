"""Lower the integer core (NCHW, standard ops + MultiThreshold) to hardware ops (20_hw.onnx).

  Conv                      -> SlidingWindow + MVAU (a 1x1, stride-1, unpadded conv: MVAU alone);
                               a depthwise Conv -> SlidingWindow + VVAU
  MatMul                    -> MVAU
  MultiThreshold            -> absorbed into the MVAU before it, else Thresholding
  MaxPool (kernel = stride) -> MaxPool
  ReduceSum over H, W       -> GlobalSum (a GlobalAveragePool: its division is in the scale)
  DepthToSpace, Resize      -> Upscale (a CRD DepthToSpace reorders the output channels of the
                               MVAU before it into DCR order; Resize: nearest, integer factor)
  Add of two tensors        -> AddStreams (a residual join; its quantizer follows as Thresholding)
  Concat along channels     -> ConcatStreams (more than two operands: a chain of them)
  Mul by integer factors    -> ChannelScale (before a join of two scales in a small integer ratio)
  TopK / ArgMax             -> LabelSelect
  a tensor read by two ops  -> DuplicateStreams (a stream has one reader)
  Reshape/Flatten to (N, K) -> no op: the next MVAU's weight rows follow the stream order

A bipolar map that an op reads as numbers (a convolution that zero-pads it, 0 being no bipolar
value; a depthwise convolution or a global sum, whose arithmetic is not XNOR's) is carried as INT2
(its MultiThreshold counts from -1 twice); that op then takes INT2 inputs.

Hardware tensors are channels-last (NHWC). A flattened feature map streams in (H, W, C)
order while the model flattens (C, H, W); the permutation is carried with the tensor and
absorbed into the weights (or thresholds) of whatever consumes it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
from onnx import AttributeProto, TensorProto, helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.infer_shapes import InferShapes
from qonnx.util.basic import qonnx_make_model

from flow.ops import DOMAIN
from flow.ops.label_select import index_dtype
from flow.ops.mvau import mvau_mode
from flow.streamline.errors import UnsupportedGraph
from flow.streamline.upscale import string_attribute

SUPPORTED = ("Conv, MatMul, MultiThreshold, MaxPool (kernel = stride), GlobalAveragePool, DepthToSpace, Resize (nearest), "
             "Add of two maps, Concat along channels, Mul by per-channel integers, Reshape/Flatten to 2-D, TopK, ArgMax")
HW_IN, HW_OUT = "hw_in", "hw_out"


@dataclass
class HWTensor:
    name: str
    shape: tuple[int, ...]        # channels-last
    dtype: DataType
    perm: np.ndarray | None = None  # 2-D only: stream position -> model feature index


class Lowering:
    def __init__(self, int_model: ModelWrapper):
        self.src = int_model
        self.nodes, self.initializers, self.dtypes = [], {}, {}
        self.tensors: dict[str, HWTensor] = {}
        self.done: set[str] = set()
        self.counts: dict[str, int] = {}

    def make_node(self, op_type, inputs, doc: str, outputs: int = 1, **attrs):
        """A flow.ops node named <op_type>_<index>, its outputs <name>_out, <name>_out_1, ...
        (not yet in the graph)."""
        index = self.counts.get(op_type, 0)
        self.counts[op_type] = index + 1
        name = f"{op_type}_{index}"
        names = [f"{name}_out" + (f"_{k}" if k else "") for k in range(outputs)]
        node = helper.make_node(op_type, inputs, names, name=name, domain=DOMAIN)
        node.attribute.extend(make_attribute(k, v) for k, v in attrs.items())
        node.doc_string = doc
        return node

    def new_node(self, op_type, inputs, source, **attrs) -> str:
        """The op lowered from `source` (a node of the integer graph), appended; its output."""
        node = self.make_node(op_type, inputs, f"from {source.op_type} node '{source.name}'", **attrs)
        self.nodes.append(node)
        return node.output[0]

    def param(self, base, value) -> str:
        self.initializers[base] = np.asarray(value, dtype=np.float32)
        return base

    def dtype(self, tensor) -> DataType:
        return self.src.get_tensor_datatype(tensor)

    def consumers(self, tensor):
        return self.src.find_consumers(tensor)


def make_attribute(key, value):
    """Like helper.make_attribute, but an empty list is a list of ints."""
    if isinstance(value, (list, tuple)):
        return helper.make_attribute(key, [int(v) for v in value], attr_type=AttributeProto.INTS)
    return helper.make_attribute(key, value)


def lower_to_hardware(int_model: ModelWrapper) -> ModelWrapper:
    """Integer graph -> hardware graph of flow.ops nodes (PE = SIMD = 1)."""
    int_model = _widen_bipolar_maps_read_as_numbers(int_model)
    core_in = int_model.get_metadata_prop("core_input")
    core_out = int_model.get_metadata_prop("core_output")
    low = Lowering(int_model)
    shape = tuple(int_model.get_tensor_shape(core_in))
    low.tensors[core_in] = HWTensor(HW_IN, _channels_last(shape), int_model.get_tensor_datatype(core_in))
    started = False
    for node in int_model.graph.node:
        if node.output[0] == core_in:
            started = True
            continue
        if not started or node.name in low.done:
            continue
        if any(o == core_out for o in node.output) or _feeds_core(low, node):
            handler = HANDLERS.get(node.op_type)
            if handler is None:
                raise UnsupportedGraph(node, "no hardware op for this node", SUPPORTED)
            handler(low, node)
        if core_out in low.tensors:
            break
    _duplicate_forks(low, low.tensors[core_in])
    return _finish(low, low.tensors[core_in], low.tensors[core_out])


def _duplicate_forks(low: Lowering, first: HWTensor) -> None:
    """A DuplicateStreams after every tensor two ops read (a chain of them for more readers),
    placed right after its producer so the node list stays in topological order."""
    known = {t.name: t for t in low.tensors.values()}
    for tensor in [first.name] + [o for n in list(low.nodes) for o in n.output]:
        reads = [(n, i) for n in low.nodes for i, name in enumerate(n.input) if name == tensor]
        if len(reads) < 2:
            continue
        hw = known[tensor]
        if hw.perm is not None:
            raise UnsupportedGraph(reads[0][0], f"a flattened map '{tensor}' read by {len(reads)} ops",
                                   "forks of feature maps and dense-layer results")
        position = next((i for i, n in enumerate(low.nodes) if tensor in n.output), -1) + 1
        source = tensor
        for k, (reader, slot) in enumerate(reads[:-1]):
            node = low.make_node("DuplicateStreams", [source], f"the fork of '{tensor}', read {len(reads)} times",
                                 outputs=2, shape=list(hw.shape[1:]), out_dtype=hw.dtype.name)
            low.nodes.insert(position + k, node)
            reader.input[slot] = node.output[0]
            source = node.output[1]
        reader, slot = reads[-1]
        reader.input[slot] = source


def _reads_bipolar_as_numbers(node) -> bool:
    """A convolution that zero-pads (0 is no bipolar value), a depthwise convolution or a global
    sum: ops whose hardware computes on the values, not on XNOR's bits."""
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    if node.op_type == "Conv":
        return any(attrs.get("pads", [])) or attrs.get("group", 1) > 1
    return node.op_type == "ReduceSum"


def _widen_bipolar_maps_read_as_numbers(int_model: ModelWrapper) -> ModelWrapper:
    """A bipolar map such an op reads is carried as INT2 (-1 and +1, and a pad's 0), exactly: the
    MultiThreshold that makes it counts its threshold twice from -1 (-1 + 2 * [acc >= T]) instead of
    giving a sign bit; a MaxPool between passes INT2 on; a network input is streamed as INT2 codes."""
    bipolar, int2 = DataType["BIPOLAR"], DataType["INT2"]
    readers = [n for n in int_model.graph.node if _reads_bipolar_as_numbers(n)
               and int_model.get_tensor_datatype(n.input[0]) == bipolar]
    if not readers:
        return int_model
    model = ModelWrapper(copy.deepcopy(int_model.model))
    core_in = model.get_metadata_prop("core_input")
    for reader in readers:
        tensor = reader.input[0]
        while model.get_tensor_datatype(tensor) == bipolar:
            model.set_tensor_datatype(tensor, int2)
            producer = model.find_producer(tensor)
            if tensor == core_in:
                break
            if producer.op_type == "MaxPool":
                tensor = producer.input[0]
            elif producer.op_type == "MultiThreshold":
                thresholds = model.get_initializer(producer.input[1])
                model.set_initializer(producer.input[1], np.repeat(thresholds, 2, axis=1))
                for attr in producer.attribute:
                    if attr.name == "out_dtype":
                        attr.s = b"INT2"
                    elif attr.name == "out_scale":
                        attr.f = 1.0
            else:
                raise UnsupportedGraph(reader, f"a bipolar map read as numbers, which {producer.op_type} "
                                       f"node '{producer.name}' makes", "maps of a MultiThreshold, a "
                                       "MaxPool of one, or the network input")
    return model


def _feeds_core(low: Lowering, node) -> bool:
    return any(i in low.tensors for i in node.input)


def _channels_last(shape):
    return (shape[0], *shape[2:], shape[1]) if len(shape) == 4 else tuple(shape)


def _finish(low: Lowering, first: HWTensor, last: HWTensor) -> ModelWrapper:
    if last.perm is not None:
        raise UnsupportedGraph(None, "the network ends in a flatten of a feature map",
                               "outputs that are feature maps or dense-layer results")
    _rename(low, last.name, HW_OUT)
    graph = helper.make_graph(
        low.nodes, "hardware_graph",
        [helper.make_tensor_value_info(HW_IN, TensorProto.FLOAT, list(first.shape))],
        [helper.make_tensor_value_info(HW_OUT, TensorProto.FLOAT, list(last.shape))])
    model = ModelWrapper(qonnx_make_model(graph, opset_imports=[
        helper.make_opsetid("", 17), helper.make_opsetid(DOMAIN, 1)]))
    for name, value in low.initializers.items():
        model.set_initializer(name, value)
    model = model.transform(InferShapes())
    model.set_tensor_datatype(HW_IN, first.dtype)
    for node in model.graph.node:
        getCustomOp(node).infer_node_datatype(model)
    model.set_metadata_prop("input_layout", "NHWC" if len(first.shape) == 4 else "NC")
    model.set_metadata_prop("output_layout", "NHWC" if len(last.shape) == 4 else "NC")
    return model


def _rename(low: Lowering, old: str, new: str):
    for node in low.nodes:
        node.input[:] = [new if i == old else i for i in node.input]
        node.output[:] = [new if o == old else o for o in node.output]


def _input(low: Lowering, node, index=0) -> HWTensor:
    return low.tensors[node.input[index]]


def _absorbable_threshold(low: Lowering, tensor: str):
    """The MultiThreshold that alone consumes `tensor`, if any."""
    consumers = low.consumers(tensor)
    if len(consumers) == 1 and consumers[0].op_type == "MultiThreshold":
        return consumers[0]
    return None


def _thresholds_for(low: Lowering, mt_node, channels: int, perm) -> np.ndarray:
    t = np.asarray(low.src.get_initializer(mt_node.input[1]), dtype=np.int64)
    if t.shape[0] == 1:
        t = np.repeat(t, channels if perm is None else len(perm), axis=0)
    return t if perm is None else t[perm]


def _activation_attrs(mt_node) -> dict:
    attrs = {a.name: helper.get_attribute_value(a) for a in mt_node.attribute}
    out_dtype = attrs["out_dtype"].decode() if isinstance(attrs["out_dtype"], bytes) else attrs["out_dtype"]
    scale, bias = attrs.get("out_scale", 1.0), attrs.get("out_bias", 0.0)
    if out_dtype == "BIPOLAR":
        if (scale, bias) != (2.0, -1.0):
            raise UnsupportedGraph(mt_node, "bipolar output with out_scale/out_bias other than 2/-1")
        return {"out_dtype": out_dtype, "act_bias": 0}
    if scale != 1.0 or bias != round(bias):
        raise UnsupportedGraph(mt_node, f"out_scale={scale}, out_bias={bias}", "out_scale 1, integer out_bias")
    return {"out_dtype": out_dtype, "act_bias": int(bias)}


def _emit_mvau(low: Lowering, node, x: HWTensor, weights: np.ndarray, vector_dims: list[int],
               out_shape: tuple[int, ...]):
    mw, mh = weights.shape
    w_dtype = low.dtype(node.input[1])
    acc_dtype = low.dtype(node.output[0])
    inputs = [x.name, low.param(f"{node.name}_W", weights)]
    attrs = {"MW": mw, "MH": mh, "mode": mvau_mode(x.dtype, w_dtype), "in_dtype": x.dtype.name,
             "w_dtype": w_dtype.name, "acc_dtype": acc_dtype.name, "out_dtype": acc_dtype.name,
             "vector_dims": vector_dims}
    result = node.output[0]
    mt = _absorbable_threshold(low, node.output[0])
    if mt is not None:
        inputs.append(low.param(f"{mt.name}_T", _thresholds_for(low, mt, mh, None)))
        attrs.update(_activation_attrs(mt))
        low.done.add(mt.name)
        result = mt.output[0]
    out = low.new_node("MVAU", inputs, node, **attrs)
    low.tensors[result] = HWTensor(out, out_shape, DataType[attrs["out_dtype"]])


def _conv(low: Lowering, node):
    x = _input(low, node)
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    if any(d != 1 for d in attrs.get("dilations", [1, 1])):
        raise UnsupportedGraph(node, f"dilations={attrs['dilations']}", "dilation 1")
    if len(x.shape) != 4:
        raise UnsupportedGraph(node, "input is not a feature map")
    w = np.asarray(low.src.get_initializer(node.input[1]), dtype=np.int64)
    out_ch, in_ch, kh, kw = w.shape
    strides = list(attrs.get("strides", [1, 1]))
    pads = list(attrs.get("pads", [0, 0, 0, 0]))
    _, oh, ow, _ = _channels_last(tuple(low.src.get_tensor_shape(node.output[0])))
    weights = w.transpose(2, 3, 1, 0).reshape(kh * kw * in_ch, out_ch)  # rows in window order
    if (kh, kw) == (1, 1) and strides == [1, 1] and not any(pads):
        window = x
    else:
        # the map's channels: a depthwise convolution's weights have one input channel each
        out = low.new_node("SlidingWindow", [x.name], node, ifm_dims=list(x.shape[1:3]),
                           channels=x.shape[3], kernel=[kh, kw], stride=strides,
                           pads=[pads[0], pads[1], pads[2], pads[3]], out_dtype=x.dtype.name)
        window = HWTensor(out, (x.shape[0], oh, ow, kh * kw * x.shape[3]), x.dtype)
    if attrs.get("group", 1) > 1:
        _emit_vvau(low, node, window, w.reshape(out_ch, kh * kw), [oh, ow])
    else:
        _emit_mvau(low, node, window, weights, [oh, ow], (x.shape[0], oh, ow, out_ch))


def _emit_vvau(low: Lowering, node, window: HWTensor, weights: np.ndarray, vector_dims: list[int]):
    """A depthwise convolution: weights (C, kernel positions); its activation stays a Thresholding."""
    w_dtype = low.dtype(node.input[1])
    if w_dtype == DataType["BIPOLAR"]:   # +-1 as numbers: the module multiplies two's complement
        w_dtype = DataType["INT2"]
    channels = weights.shape[0]
    out = low.new_node("VVAU", [window.name, low.param(f"{node.name}_W", weights)], node, channels=channels,
                       kernel_positions=weights.shape[1], vector_dims=vector_dims, in_dtype=window.dtype.name,
                       w_dtype=w_dtype.name, out_dtype=low.dtype(node.output[0]).name)
    low.tensors[node.output[0]] = HWTensor(out, (window.shape[0], *vector_dims, channels),
                                           low.dtype(node.output[0]))


def _matmul(low: Lowering, node):
    x = _input(low, node)
    if len(x.shape) != 2:
        raise UnsupportedGraph(node, f"input of rank {len(x.shape)}", "(N, K) inputs")
    w = np.asarray(low.src.get_initializer(node.input[1]), dtype=np.int64)
    if x.perm is not None:
        w = w[x.perm]
    _emit_mvau(low, node, x, w, [], (x.shape[0], w.shape[1]))


def _multithreshold(low: Lowering, node):
    x = _input(low, node)
    if x.dtype == DataType["BIPOLAR"]:
        raise UnsupportedGraph(node, "thresholds on a bipolar tensor", "integer inputs")
    channels = x.shape[-1]
    attrs = _activation_attrs(node)
    t = _thresholds_for(low, node, channels, x.perm)
    out = low.new_node("Thresholding", [x.name, low.param(f"{node.name}_T", t)], node,
                       channels=channels, in_dtype=x.dtype.name, vector_dims=list(x.shape[1:-1]), **attrs)
    low.tensors[node.output[0]] = HWTensor(out, x.shape, DataType[attrs["out_dtype"]], x.perm)


def _maxpool(low: Lowering, node):
    x = _input(low, node)
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    kernel = list(attrs["kernel_shape"])
    strides = list(attrs.get("strides", kernel))
    if len(set(kernel)) != 1 or strides != kernel or any(attrs.get("pads", [0])) or attrs.get("ceil_mode", 0):
        raise UnsupportedGraph(node, f"kernel {kernel}, strides {strides}, pads {attrs.get('pads')}",
                               "square kernel = stride, no padding, floor mode")
    k = kernel[0]
    out = low.new_node("MaxPool", [x.name], node, ifm_dims=list(x.shape[1:3]), channels=x.shape[3],
                       kernel=k, out_dtype=x.dtype.name)
    n, h, w, c = x.shape
    low.tensors[node.output[0]] = HWTensor(out, (n, h // k, w // k, c), x.dtype)


def _depth_to_space(low: Lowering, node):
    x = _input(low, node)
    block = int(next(helper.get_attribute_value(a) for a in node.attribute if a.name == "blocksize"))
    if string_attribute(node, "mode", "DCR") == "CRD":
        _to_dcr(low, node, x, block)
    _emit_upscale(low, node, x, block, "depth_to_space", x.shape[3] // (block * block))


def _to_dcr(low: Lowering, node, x: HWTensor, block: int):
    """CRD holds an output pixel's block position (i, j) of channel c at input channel
    c*B*B + i*B + j, DCR at (i*B + j)*C + c: the MVAU computing x gives its outputs in DCR order."""
    producer = next((n for n in low.nodes if n.output[0] == x.name), None)
    if producer is None or producer.op_type != "MVAU":
        raise UnsupportedGraph(node, "CRD mode on a tensor no convolution or dense layer computes",
                               "DCR mode, or CRD right after a Conv or MatMul")
    channels = x.shape[3] // (block * block)
    dcr = np.arange(x.shape[3])
    crd = (dcr % channels) * block * block + dcr // channels   # DCR position -> CRD channel
    weights = producer.input[1]
    low.initializers[weights] = low.initializers[weights][:, crd]
    if len(producer.input) > 2:
        thresholds = producer.input[2]
        low.initializers[thresholds] = low.initializers[thresholds][crd]


def _resize(low: Lowering, node):
    x = _input(low, node)
    factor = int(np.asarray(low.src.get_initializer(node.input[2]))[2])
    _emit_upscale(low, node, x, factor, "nearest", x.shape[3])


def _emit_upscale(low: Lowering, node, x: HWTensor, block: int, mode: str, channels: int):
    if len(x.shape) != 4:
        raise UnsupportedGraph(node, "input is not a feature map")
    n, h, w, _ = x.shape
    out = low.new_node("Upscale", [x.name], node, ifm_dims=[h, w], channels=channels, block=block,
                       mode=mode, out_dtype=x.dtype.name)
    low.tensors[node.output[0]] = HWTensor(out, (n, h * block, w * block, channels), x.dtype)


def _global_sum(low: Lowering, node):
    x = _input(low, node)
    if len(x.shape) != 4:
        raise UnsupportedGraph(node, "input is not a feature map")
    n, h, w, c = x.shape
    out_dtype = low.dtype(node.output[0])
    out = low.new_node("GlobalSum", [x.name], node, ifm_dims=[h, w], channels=c, in_dtype=x.dtype.name,
                       out_dtype=out_dtype.name)
    low.tensors[node.output[0]] = HWTensor(out, (n, 1, 1, c), out_dtype)


def _stream_operands(low: Lowering, node) -> list[HWTensor]:
    """The stream inputs of a join or a ChannelScale (its parameters are no streams)."""
    operands = [_input(low, node, i) for i in range(len(node.input)) if node.input[i] in low.tensors]
    for x in operands:
        if x.perm is not None:
            raise UnsupportedGraph(node, "an operand is a flattened map", "maps and dense-layer results")
        if x.dtype == DataType["BIPOLAR"]:
            raise UnsupportedGraph(node, "a bipolar operand (its stream holds bits, not -1/+1)",
                                   "integer operands")
    return operands


def _add(low: Lowering, node):
    a, b = _stream_operands(low, node)
    if a.shape != b.shape:
        raise UnsupportedGraph(node, f"adds {list(a.shape)} and {list(b.shape)} tensors",
                               "two maps (or dense results) of one shape")
    out_dtype = low.dtype(node.output[0])
    out = low.new_node("AddStreams", [a.name, b.name], node, shape=list(a.shape[1:]), a_dtype=a.dtype.name,
                       b_dtype=b.dtype.name, out_dtype=out_dtype.name)
    low.tensors[node.output[0]] = HWTensor(out, a.shape, out_dtype)


def _concat(low: Lowering, node):
    operands = _stream_operands(low, node)
    out_dtype = low.dtype(node.output[0])
    a = operands[0]
    for b in operands[1:]:
        channels = a.shape[-1] + b.shape[-1]
        out = low.new_node("ConcatStreams", [a.name, b.name], node, vector_dims=list(a.shape[1:-1]),
                           a_channels=a.shape[-1], b_channels=b.shape[-1], a_dtype=a.dtype.name,
                           b_dtype=b.dtype.name, out_dtype=out_dtype.name)
        a = HWTensor(out, (*a.shape[:-1], channels), out_dtype)
    low.tensors[node.output[0]] = a


def _channel_scale(low: Lowering, node):
    x = _stream_operands(low, node)[0]
    factors = np.asarray(low.src.get_initializer(node.input[1]), dtype=np.int64).reshape(-1)
    channels = x.shape[-1]
    factors = np.broadcast_to(factors, (channels,)) if factors.size == 1 else factors
    k_bits = max(1, int(factors.max()).bit_length())
    # wider than either operand, as the RTL's signed product wants (hw/rtl/channel_scale.v)
    out_dtype = low.dtype(node.output[0])
    bits = max(out_dtype.bitwidth(), x.dtype.bitwidth() + 1, k_bits + 1)
    out_dtype = DataType[f"{'INT' if out_dtype.signed() else 'UINT'}{bits}"]
    out = low.new_node("ChannelScale", [x.name, low.param(f"{node.name}_factors", factors)], node,
                       channels=channels, vector_dims=list(x.shape[1:-1]), in_dtype=x.dtype.name,
                       factor_bits=k_bits, out_dtype=out_dtype.name)
    low.tensors[node.output[0]] = HWTensor(out, x.shape, out_dtype)


def _flatten(low: Lowering, node):
    x = _input(low, node)
    out_shape = tuple(low.src.get_tensor_shape(node.output[0]))
    if len(out_shape) != 2:
        raise UnsupportedGraph(node, f"reshape to {out_shape}", "flattening to (N, K)")
    if len(x.shape) == 2:
        low.tensors[node.output[0]] = x
        return
    n, h, w, c = x.shape
    hh, ww, cc = np.meshgrid(np.arange(h), np.arange(w), np.arange(c), indexing="ij")
    perm = (cc * h * w + hh * w + ww).reshape(-1)  # stream (h, w, c) -> model index (c, h, w)
    identity = bool(np.all(perm == np.arange(perm.size)))
    low.tensors[node.output[0]] = HWTensor(x.name, (n, h * w * c), x.dtype, None if identity else perm)


def _label_select(low: Lowering, node):
    x = _input(low, node)
    if len(x.shape) != 2 or x.perm is not None:
        raise UnsupportedGraph(node, "top-k over a feature map", "top-k over (N, L) class scores")
    labels = x.shape[1]
    k = 1 if node.op_type == "ArgMax" else int(np.asarray(low.src.get_initializer(node.input[1])).item())
    out = low.new_node("LabelSelect", [x.name], node, labels=labels, K=k, in_dtype=x.dtype.name,
                       out_dtype=index_dtype(labels).name)
    index_out = node.output[0] if node.op_type == "ArgMax" else node.output[1]
    low.tensors[index_out] = HWTensor(out, (x.shape[0], k), index_dtype(labels))


HANDLERS = {
    "Conv": _conv,
    "MatMul": _matmul,
    "MultiThreshold": _multithreshold,
    "MaxPool": _maxpool,
    "ReduceSum": _global_sum,
    "Add": _add,
    "Concat": _concat,
    "Mul": _channel_scale,
    "DepthToSpace": _depth_to_space,
    "Resize": _resize,
    "Reshape": _flatten,
    "Flatten": _flatten,
    "TopK": _label_select,
    "ArgMax": _label_select,
}
