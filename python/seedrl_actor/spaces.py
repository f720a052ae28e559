"""The server's spec against a Gymnasium environment's spaces, and observations as bytes."""
import numpy as np

from seedrl.v1 import learner_pb2

DTYPES = {learner_pb2.DTYPE_FLOAT32: np.float32, learner_pb2.DTYPE_UINT8: np.uint8}


class SpecMismatch(Exception):
    pass


def wire_dtype(spec, observation_space, name):
    """The numpy dtype to send, or SpecMismatch naming both sides. float64 observations go
    as float32; bool ones (MinAtar's frames) as uint8 0/1."""
    shape = tuple(spec.observation_shape)
    dtype = DTYPES.get(spec.observation_dtype)
    got = np.dtype(observation_space.dtype)
    compatible = {np.dtype(np.float32): (np.float32, np.float64), np.dtype(np.uint8): (np.uint8, np.bool_)}
    ok = (dtype is not None and tuple(observation_space.shape) == shape
          and got in [np.dtype(t) for t in compatible[np.dtype(dtype)]])
    if not ok:
        raise SpecMismatch(
            f"server expects observation shape {list(shape)} {np.dtype(dtype).name if dtype else '?'}, "
            f"env {name} gives {list(observation_space.shape)} {observation_space.dtype}")
    return dtype


def check_actions(spec, action_space, name):
    actions = getattr(action_space, "n", None)
    if actions != spec.num_actions:
        raise SpecMismatch(f"server expects {spec.num_actions} actions, env {name} has {actions if actions is not None else '?'}")
