#!/usr/bin/env python3
"""Records reference trajectories from Gymnasium itself, for the Swift environments' tests.

    python3 -m pip install gymnasium==1.* && scripts/record-gymnasium-fixtures.py

Writes Tests/EnvironmentsTests/Fixtures/cartpole.json: episodes from fixed initial
states under fixed action sequences, with every observation, reward, terminated and
truncated flag as Gymnasium produced them.
"""
import json
import os
import random

import gymnasium as gym
import numpy as np

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
out = os.path.join(root, "Tests", "EnvironmentsTests", "Fixtures", "cartpole.json")

env = gym.make("CartPole-v1")
rng = random.Random(7)
episodes = []
for index in range(6):
    env.reset(seed=index)
    initial = [rng.uniform(-0.05, 0.05) for _ in range(4)]
    env.unwrapped.state = np.array(initial, dtype=np.float64)
    # Episodes 0-3 act at random (they terminate); 4-5 balance with a simple controller
    # long enough to be truncated at 500 steps.
    steps = []
    while True:
        x, x_dot, theta, theta_dot = env.unwrapped.state
        action = rng.randrange(2) if index < 4 else int(theta + 0.3 * theta_dot + 0.01 * x + 0.1 * x_dot > 0)
        observation, reward, terminated, truncated, _ = env.step(action)
        steps.append({"action": action, "observation": [float("%.8g" % v) for v in observation], "reward": float(reward),
                      "terminated": bool(terminated), "truncated": bool(truncated)})
        if terminated or truncated:
            break
    episodes.append({"initial_state": initial, "steps": steps})
with open(out, "w") as f:
    json.dump({"gymnasium": gym.__version__, "env": "CartPole-v1", "episodes": episodes}, f, separators=(",", ":"))
print(f"wrote {out}: {len(episodes)} episodes, lengths {[len(e['steps']) for e in episodes]}")
