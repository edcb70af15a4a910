"""Export a torch model with export_qonnx, run it in qonnx, pair up the quantised activations."""

import numpy as np
import torch
from brevitas.export import export_qonnx
from brevitas.nn import QuantIdentity, QuantReLU
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.util.cleanup import cleanup_model

QUANT_OPS = ("Quant", "BipolarQuant")


def randomise_batchnorm(model, seed=0):
    """Non-trivial BatchNorm statistics and affine parameters, so eval mode is not the identity."""
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            n = m.num_features
            m.running_mean.copy_(torch.randn(n, generator=g) * 0.5)
            m.running_var.copy_(torch.rand(n, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(n, generator=g) + 0.5)
            m.bias.data.copy_(torch.randn(n, generator=g) * 0.5)
    return model


def export_and_execute(model, x, path):
    """(torch output, qonnx output, torch activation-quantizer outputs, qonnx ones, node op types).

    Activation quantizers are Quant/BipolarQuant nodes whose input is not an initializer (the
    others quantise weights); both lists are in execution order.
    """
    model.eval()
    acts = []
    hooks = [m.register_forward_hook(lambda _m, _i, out: acts.append(out.detach().numpy()))
             for m in model.modules() if isinstance(m, (QuantIdentity, QuantReLU))]
    with torch.no_grad():
        expected = model(x).numpy()
    for hook in hooks:
        hook.remove()
    export_qonnx(model, x, str(path), dynamo=False)
    qmodel = cleanup_model(ModelWrapper(str(path)))
    context = execute_onnx(qmodel, {qmodel.graph.input[0].name: x.numpy()},
                           return_full_exec_context=True)
    graph = qmodel.graph
    qacts = [context[n.output[0]] for n in graph.node
             if n.op_type in QUANT_OPS and qmodel.get_initializer(n.input[0]) is None]
    out = context[graph.output[0].name]
    return expected, out, acts, qacts, [n.op_type for n in graph.node]


def assert_quantised_equal(torch_acts, qonnx_acts):
    assert len(torch_acts) == len(qonnx_acts) > 0
    for i, (a, b) in enumerate(zip(torch_acts, qonnx_acts, strict=True)):
        assert a.shape == b.shape, f"activation {i}: {a.shape} != {b.shape}"
        mismatches = int(np.sum(a != b))
        assert mismatches == 0, f"activation {i}: {mismatches} of {a.size} values differ"
