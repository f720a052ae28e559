"""Embedding seedrl-actor: your own Gymnasium environment, stepped against a seedrl learner
from your own program (here a toy task; any gymnasium.Env works the same way).

    seedrl server --obs-shape 2 --num-actions 2 --port 8686      # the learner, for this env
    python3 embed.py --server 127.0.0.1:8686 --steps 20000

The learner owns the model: this program only steps environments and sends observations.
"""
import argparse
import json

import gymnasium as gym
import numpy as np

from seedrl_actor import Actor, Backoff, connect


class PickTheSign(gym.Env):
    """Each step shows a number x and a distractor; action 1 earns 1 when x > 0, action 0
    when x <= 0. Episodes last 20 steps: a policy that learned it returns 20."""

    observation_space = gym.spaces.Box(-1.0, 1.0, shape=(2,), dtype=np.float32)
    action_space = gym.spaces.Discrete(2)

    def reset(self, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        self.x = self._draw()
        return self.x, {}

    def step(self, action):
        reward = float(int(action) == int(self.x[0] > 0))
        self.t += 1
        self.x = self._draw()
        return self.x, reward, False, self.t >= 20, {}

    def _draw(self):
        return self.np_random.uniform(-1, 1, size=2).astype(np.float32)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="127.0.0.1:8686")
    parser.add_argument("--steps", type=int, default=20000)
    parser.add_argument("--envs", type=int, default=16)
    args = parser.parse_args()
    actor = Actor(PickTheSign, channel=connect(args.server), num_envs=args.envs, name="PickTheSign",
                  backoff=Backoff(max_seconds=2), connect_timeout=30)
    summary = actor.run(steps=args.steps)  # actor.stop() from another thread ends it early
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
