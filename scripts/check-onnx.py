#!/usr/bin/env python3
"""Checks an ONNX model written by `seedrl export` against seedrl's own forward pass.

Usage: check-onnx.py MODEL.onnx REFERENCE.json [TOLERANCE]

The model must pass ONNX's own checker (with shape inference), and onnxruntime's logits
(a Gaussian policy's means) and values for the reference's observations must equal seedrl's within TOLERANCE
(default 1e-5: absolute up to magnitude 1, relative above it, since a float32 value of 60
carries only ~5 decimals after the point); its greedy action must be the argmax of
seedrl's logits wherever their top two differ by more than the tolerance, and its
probabilities their softmax. Prints one JSON line with the largest differences.
"""
import json
import sys

import numpy as np
import onnx
import onnxruntime


def main() -> int:
    model_path, reference_path = sys.argv[1], sys.argv[2]
    tolerance = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-5
    onnx.checker.check_model(onnx.load(model_path), full_check=True)
    with open(reference_path) as f:
        reference = json.load(f)
    shape = reference["observationShape"]
    dtype = np.uint8 if reference["observationDType"] == "uint8" else np.float32
    observations = np.asarray(reference["observations"], dtype=np.float32).astype(dtype).reshape([-1] + shape)
    rows = observations.shape[0]
    expected_logits = np.asarray(reference["logits"], dtype=np.float32).reshape(rows, -1)
    expected_values = np.asarray(reference["values"], dtype=np.float32)

    session = onnxruntime.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    if "logStd" in reference:
        return check_gaussian(session, reference, observations, expected_logits, expected_values, tolerance)
    logits, probabilities, action, value = session.run(["logits", "probabilities", "action", "value"],
                                                       {"observation": observations})
    def scaled_diff(actual, expected):
        return float((np.abs(actual - expected) / np.maximum(1.0, np.abs(expected))).max())

    top_two = np.sort(expected_logits, axis=1)[:, -2:] if expected_logits.shape[1] > 1 else None
    decided = (top_two[:, 1] - top_two[:, 0] > 2 * tolerance) if top_two is not None else np.ones(rows, bool)
    shifted = np.exp(expected_logits - expected_logits.max(axis=1, keepdims=True))
    expected_probabilities = shifted / shifted.sum(axis=1, keepdims=True)
    result = {
        "model": model_path,
        "rows": rows,
        "max_abs_logit_diff": float(np.abs(logits - expected_logits).max()),
        "max_abs_value_diff": float(np.abs(value - expected_values).max()),
        "max_abs_probability_diff": float(np.abs(probabilities - expected_probabilities).max()),
        "max_scaled_logit_diff": scaled_diff(logits, expected_logits),
        "max_scaled_value_diff": scaled_diff(value, expected_values),
        "max_abs_logit": float(np.abs(expected_logits).max()),
        "max_abs_value": float(np.abs(expected_values).max()),
        "greedy_actions_equal": bool((action == expected_logits.argmax(axis=1))[decided].all()),
    }
    print(json.dumps(result))
    ok = (result["max_scaled_logit_diff"] <= tolerance and result["max_scaled_value_diff"] <= tolerance
          and result["max_abs_probability_diff"] <= tolerance and result["greedy_actions_equal"])
    return 0 if ok else 1


def check_gaussian(session, reference, observations, expected_means, expected_values, tolerance):
    mean, log_std, action, value = session.run(["mean", "log_std", "action", "value"], {"observation": observations})
    low = np.asarray(reference["actionLow"], dtype=np.float32)
    high = np.asarray(reference["actionHigh"], dtype=np.float32)
    def scaled_diff(actual, expected):
        return float((np.abs(actual - expected) / np.maximum(1.0, np.abs(expected))).max())
    result = {
        "model": reference.get("model", ""),
        "rows": int(observations.shape[0]),
        "max_scaled_mean_diff": scaled_diff(mean, expected_means),
        "max_scaled_value_diff": scaled_diff(value, expected_values),
        "log_std_diff": float(np.abs(log_std - np.asarray(reference["logStd"], dtype=np.float32)).max()),
        "action_is_clipped_mean": bool(np.allclose(action, np.clip(mean, low, high), atol=0)),
        "actions_within_box": bool(((action >= low) & (action <= high)).all()),
    }
    print(json.dumps(result))
    ok = (result["max_scaled_mean_diff"] <= tolerance and result["max_scaled_value_diff"] <= tolerance
          and result["log_std_diff"] <= tolerance and result["action_is_clipped_mean"] and result["actions_within_box"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
