"""seedrl-actor: Gymnasium environments stepped against a seedrl learner over gRPC,
from the wire contract alone (Protos/seedrl/v1/learner.proto).

    from seedrl_actor import Actor, connect
    actor = Actor(lambda: gymnasium.make("CartPole-v1"), server="127.0.0.1:8686", num_envs=64)
    summary = actor.run(seconds=30)
"""
import os
import sys

# The generated stubs import themselves as `seedrl.v1`: their folder goes on the path.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "_gen"))

from .actor import Actor  # noqa: E402
from .channel import connect  # noqa: E402
from .reconnect import Backoff  # noqa: E402

__all__ = ["Actor", "Backoff", "connect"]
