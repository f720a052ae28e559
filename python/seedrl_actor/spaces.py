"""The server's spec against a Gymnasium environment's spaces, observations as bytes and
actions off the wire into what the environment takes.

Action spaces, as the contract has them (learner.proto's ActionSpace): discrete(N) is a
class index in Action.action / ActionBatch.actions; box[D] is D floats (a Gymnasium Box of
any shape, flattened row-major; bounds compared as float32) in Action.continuous /
ActionBatch.continuous_actions; multi-discrete[n0, n1, ...] is one index per dimension
(a MultiDiscrete's nvec flattened row-major) in Action.discrete / ActionBatch.discrete_actions.
Batches are lane-major. Names ("discrete(3)", "box[1] in [-2, 2]") are those the Swift
actor's messages use."""
import math

import gymnasium as gym
import numpy as np

from seedrl.v1 import learner_pb2

DTYPES = {learner_pb2.DTYPE_FLOAT32: np.float32, learner_pb2.DTYPE_UINT8: np.uint8}
# What each wire dtype accepts from an environment: float64 observations go as float32,
# bool ones (MinAtar's frames, made 0/255 by BoolFramesAsUint8) as uint8.
COMPATIBLE = {np.dtype(np.float32): (np.dtype(np.float32), np.dtype(np.float64)),
              np.dtype(np.uint8): (np.dtype(np.uint8), np.dtype(np.bool_))}


class SpecMismatch(Exception):
    pass


class BadAction(Exception):
    """The server sent an action outside the space it serves (a broken contract)."""


def number(value):
    """A float32 bound as messages and `seedrl server` flags write it: 2, -0.4, inf, -inf."""
    value = float(np.float32(value))
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == round(value) and abs(value) < 1e9:
        return str(int(value))
    return str(np.float32(value))


class ActionSpace:
    """An action space as the contract has it: kind "discrete" (n), "box" (low, high: D
    float32 bounds, flattened; shape as given) or "multi-discrete" (nvec, flattened), or kind
    None for one the contract cannot carry (`unsupported` says what it was)."""

    def __init__(self, kind, n=0, low=None, high=None, shape=None, nvec=(), unsupported=None):
        self.kind, self.n, self.unsupported = kind, n, unsupported
        self.low = None if low is None else np.asarray(low, np.float32).reshape(-1)
        self.high = None if high is None else np.asarray(high, np.float32).reshape(-1)
        self.nvec = np.asarray(nvec, np.int64).reshape(-1)
        # A box's shape as given (the wire and the comparisons use it flattened: D = its product).
        self.shape = list(shape) if shape is not None else ([] if self.low is None else [self.low.size])

    @property
    def width(self):
        """Values per action on the wire."""
        return {"discrete": 1, "box": 0 if self.low is None else self.low.size, "multi-discrete": self.nvec.size}.get(self.kind, 0)

    def __eq__(self, other):
        if not isinstance(other, ActionSpace) or self.kind is None or self.kind != other.kind:
            return False
        if self.kind == "discrete":
            return self.n == other.n
        if self.kind == "box":
            return np.array_equal(self.low, other.low) and np.array_equal(self.high, other.high)
        return np.array_equal(self.nvec, other.nvec)

    def uniform_bounds(self):
        """(low, high) when every box dimension shares them, else None."""
        if self.kind == "box" and self.low.size and (self.low == self.low[0]).all() and (self.high == self.high[0]).all():
            return self.low[0], self.high[0]
        return None

    def __str__(self):
        if self.kind == "discrete":
            return f"discrete({self.n})"
        if self.kind == "multi-discrete":
            return "multi-discrete[" + ", ".join(str(int(n)) for n in self.nvec) + "]"
        if self.kind == "box":
            uniform = self.uniform_bounds()
            if uniform is not None:
                return f"box[{self.low.size}] in [{number(uniform[0])}, {number(uniform[1])}]"
            return f"box[{self.low.size}] in " + ", ".join(f"[{number(l)}, {number(h)}]" for l, h in zip(self.low, self.high))
        return self.unsupported or "an unknown action space"

    def message(self):
        """The contract's ActionSpace message."""
        if self.kind == "discrete":
            return learner_pb2.ActionSpace(discrete=learner_pb2.DiscreteSpace(n=self.n))
        if self.kind == "box":
            return learner_pb2.ActionSpace(box=learner_pb2.BoxSpace(shape=self.shape, low=self.low.tolist(),
                                                                     high=self.high.tolist()))
        if self.kind == "multi-discrete":
            return learner_pb2.ActionSpace(multi_discrete=learner_pb2.MultiDiscreteSpace(nvec=self.nvec.tolist()))
        raise ValueError(f"the contract cannot carry {self}")

    def server_flag(self):
        """The `seedrl server` flags that serve this space, or None with a box whose
        dimensions have different bounds (`--action-space box:` takes one LOW:HIGH)."""
        if self.kind == "discrete":
            return f"--num-actions {self.n}"
        if self.kind == "multi-discrete":
            return "--action-space multi-discrete:" + ",".join(str(int(n)) for n in self.nvec)
        uniform = self.uniform_bounds()
        if uniform is None:
            return None
        return f"--action-space box:{self.low.size}:{number(uniform[0])}:{number(uniform[1])}"


def served_action_space(spec):
    """The action space a Spec serves: its action_space, or discrete num_actions when absent
    (servers before action spaces)."""
    if not spec.HasField("action_space"):
        return ActionSpace("discrete", n=spec.num_actions)
    space = spec.action_space
    kind = space.WhichOneof("kind")
    if kind == "discrete":
        return ActionSpace("discrete", n=space.discrete.n)
    if kind == "box":
        low, high = np.asarray(space.box.low, np.float32), np.asarray(space.box.high, np.float32)
        size = int(np.prod(space.box.shape)) if len(space.box.shape) else 0
        if low.size != size or high.size != size:
            return ActionSpace(None, unsupported=f"a box of shape {list(space.box.shape)} with {low.size} low and "
                                                 f"{high.size} high bounds")
        return ActionSpace("box", low=low, high=high, shape=space.box.shape)
    if kind == "multi_discrete":
        return ActionSpace("multi-discrete", nvec=space.multi_discrete.nvec)
    return ActionSpace(None, unsupported="an action space of no known kind")


def env_action_space(space):
    """A Gymnasium action space as the contract has it (kind None if it cannot carry it)."""
    if isinstance(space, gym.spaces.Discrete):
        return ActionSpace("discrete", n=int(space.n))
    if isinstance(space, gym.spaces.Box):
        if not np.issubdtype(space.dtype, np.floating):
            return ActionSpace(None, unsupported=f"box{list(space.shape)} of {space.dtype} (only float boxes are served)")
        return ActionSpace("box", low=space.low, high=space.high, shape=space.shape)
    if isinstance(space, gym.spaces.MultiDiscrete):
        return ActionSpace("multi-discrete", nvec=space.nvec)
    return ActionSpace(None, unsupported=f"{space} (not discrete, box or multi-discrete)")


def observation_wire_dtype(observation_space):
    """The contract's dtype an environment's observations go as, or None."""
    got = np.dtype(observation_space.dtype)
    for wire, accepted in COMPATIBLE.items():
        if got in accepted:
            return wire
    return None


def observation_description(shape, dtype):
    return f"{list(shape)} {np.dtype(dtype).name if dtype is not None else '?'}"


def check_spec(spec, observation_space, action_space, name):
    """The numpy dtype to send observations as and the Actions decoder, or SpecMismatch
    naming both sides: "server expects observation shape [3] float32, actions discrete(3);
    env Pendulum-v1 gives [3] float32, actions box[1] in [-2, 2]"."""
    shape = tuple(spec.observation_shape)
    dtype = DTYPES.get(spec.observation_dtype)
    got = np.dtype(observation_space.dtype)
    served, env = served_action_space(spec), env_action_space(action_space)
    ok = (dtype is not None and tuple(observation_space.shape) == shape and got in COMPATIBLE[np.dtype(dtype)]
          and served == env)
    if not ok:
        sent = observation_wire_dtype(observation_space) or got
        raise SpecMismatch(f"server expects observation shape {observation_description(shape, dtype)}, actions {served}; "
                           f"env {name} gives {observation_description(observation_space.shape, sent)}, actions {env}")
    return dtype, Actions(served, action_space)


def implied_spec(name, observation_space, action_space):
    """The Spec a server must serve for this environment, or SpecMismatch saying why none can."""
    dtype = observation_wire_dtype(observation_space)
    if dtype is None:
        raise SpecMismatch(f"env {name} gives {list(observation_space.shape)} {observation_space.dtype} observations: "
                           "the contract carries float32 (float64 goes as float32) and uint8 (bool goes as uint8)")
    if not observation_space.shape:
        raise SpecMismatch(f"env {name} gives scalar observations: the contract needs a shape")
    actions = env_action_space(action_space)
    if actions.kind is None:
        raise SpecMismatch(f"env {name} takes {actions}: the contract carries discrete, box and multi-discrete actions")
    wire = {np.dtype(np.float32): learner_pb2.DTYPE_FLOAT32, np.dtype(np.uint8): learner_pb2.DTYPE_UINT8}[dtype]
    return learner_pb2.Spec(env=name, observation_shape=list(observation_space.shape), observation_dtype=wire,
                            num_actions=actions.n if actions.kind == "discrete" else 0, action_space=actions.message())


class Actions:
    """Decodes the server's actions for one environment (`one`) or a vector of them
    (`batch`, lane-major), checking them against the served space first: an index out of
    range or a box value outside its bounds or not finite raises BadAction with the message
    `seedrl actor` gives ("the server sent action 7, outside discrete(3)")."""

    def __init__(self, served, action_space):
        self.space, self.kind, self.width = served, served.kind, served.width
        self.env_space = action_space
        if self.kind == "box":
            self.shape, self.dtype = tuple(action_space.shape), action_space.dtype
            # The float32 bounds were checked equal to the server's; values inside them cast
            # to a float64 Box may still stray past its bounds by a rounding: clip to the env's.
            self.env_low, self.env_high = action_space.low, action_space.high
        elif self.kind == "multi-discrete":
            self.shape, self.dtype = tuple(action_space.nvec.shape), action_space.dtype
            self.start = np.asarray(getattr(action_space, "start", 0)).reshape(-1)
        else:
            self.start = int(getattr(action_space, "start", 0))

    def _values(self, message, batch):
        if self.kind == "discrete":
            return (message.actions if batch else [message.action]), "actions"
        if self.kind == "box":
            return (message.continuous_actions if batch else message.continuous), "continuous values"
        return (message.discrete_actions if batch else message.discrete), "indices"

    def _check(self, rows, what):
        """rows: [lanes, width]; raises BadAction naming the first action outside the space."""
        if self.kind == "box":
            bad = ~(np.isfinite(rows) & (rows >= self.space.low) & (rows <= self.space.high))
        else:
            bad = (rows < 0) | (rows >= (self.space.n if self.kind == "discrete" else self.space.nvec))
        bad = bad.any(axis=1)
        if bad.any():
            lane = int(np.flatnonzero(bad)[0])
            row = rows[lane]
            if self.kind == "discrete":
                text = str(int(row[0]))
            elif self.kind == "box":
                text = "[" + ", ".join(str(np.float32(v)) for v in row) + "]"  # float32's shortest form
            else:
                text = "[" + ", ".join(str(int(v)) for v in row) + "]"
            raise BadAction(f"the server sent {what(lane)}action {text}, outside {self.space}")

    def _env_actions(self, rows, lanes):
        if self.kind == "discrete":
            actions = rows[:, 0] + self.start
            return actions if lanes is not None else int(actions[0])
        if self.kind == "box":
            actions = np.clip(rows.astype(self.dtype), self.env_low.reshape(-1), self.env_high.reshape(-1))
        else:
            actions = (rows + self.start).astype(self.dtype)
        return actions.reshape((lanes,) + self.shape) if lanes is not None else actions.reshape(self.shape)

    def one(self, action):
        """An Act stream's Action as the environment takes it."""
        values, field = self._values(action, False)
        if len(values) != self.width:
            raise BadAction(f"the server sent {len(values)} {field} for {self.space}")
        rows = np.asarray(values, np.float32 if self.kind == "box" else np.int64).reshape(1, self.width)
        self._check(rows, lambda lane: "")
        return self._env_actions(rows, None)

    def batch(self, batch, lanes):
        """An ActionBatch's actions, one per lane, as the vector environment takes them."""
        values, field = self._values(batch, True)
        if len(values) != lanes * self.width:
            raise BadAction(f"the server answered {len(values)} {field} for {lanes} lanes of {self.space}")
        rows = np.asarray(values, np.float32 if self.kind == "box" else np.int64).reshape(lanes, self.width)
        self._check(rows, lambda lane: f"lane {lane}'s ")
        return self._env_actions(rows, lanes)
