"""The reference for the inference tests: runs models on ONNX Runtime (f32, one thread) on the
same fixed inputs the Swift test makes, and prints their outputs as JSON.

    python onnx_outputs.py MODELS_DIR  ->  {"name": [[output values...], ...], ...}

Inputs: element i of every input is ((i * 1103515245 + 12345) >> 16) % 256, as a float; the
template backbone runs at 1x3x127x127 (the ONNX file is exported at 255, so its input is re-declared).
"""
import json
import sys

import numpy as np
import onnx
import onnxruntime as ort


def fixed_input(shape):
    count = int(np.prod(shape))
    index = np.arange(count, dtype=np.int64)
    return (((index * 1103515245 + 12345) >> 16) % 256).astype(np.float32).reshape(shape)


def session(path, input_shape=None):
    model = onnx.load(path)
    if input_shape is not None:
        dims = model.graph.input[0].type.tensor_type.shape.dim
        for dim, value in zip(dims, input_shape):
            dim.dim_value = value
        # Let ONNX Runtime infer the intermediate shapes again.
        del model.graph.value_info[:]
        for output in model.graph.output:
            for dim in output.type.tensor_type.shape.dim:
                dim.dim_param = "d"
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def run(sess, inputs):
    names = [i.name for i in sess.get_inputs()]
    return sess.run(None, dict(zip(names, inputs)))


def main():
    models = sys.argv[1]
    answer = {}
    for version, backbone, head in [("v2", "nanotrack_backbone_sim.onnx", "nanotrack_head_sim.onnx"),
                                    ("v3", "nanotrack_backbone.onnx", "nanotrack_head.onnx")]:
        folder = f"{models}/nanotrack/{version}"
        search = run(session(f"{folder}/{backbone}"), [fixed_input((1, 3, 255, 255))])[0]
        template = run(session(f"{folder}/{backbone}", (1, 3, 127, 127)), [fixed_input((1, 3, 127, 127))])[0]
        # The head on the fixed inputs of its own shapes, so the test checks it apart from the backbone.
        scores, distances = run(session(f"{folder}/{head}"), [fixed_input(template.shape) / 64, fixed_input(search.shape) / 64])
        answer[f"nanotrack-{version}-search"] = [search.ravel().tolist()]
        answer[f"nanotrack-{version}-template"] = [template.ravel().tolist()]
        answer[f"nanotrack-{version}-head"] = [scores.ravel().tolist(), distances.ravel().tolist()]
    (output,) = run(session(f"{models}/yolox_nano/yolox_nano.onnx"), [fixed_input((1, 3, 416, 416))])
    answer["yolox-nano"] = [output.ravel().tolist()]
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
