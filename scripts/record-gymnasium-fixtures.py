#!/usr/bin/env python3
"""Records reference trajectories from Gymnasium itself, for the Swift environments' tests.

    python3 -m pip install gymnasium==1.* && scripts/record-gymnasium-fixtures.py

Writes Tests/EnvironmentsTests/Fixtures/{cartpole,mountaincar,acrobot,pendulum}.json: episodes
from fixed initial states under fixed action sequences, with every observation, reward,
terminated and truncated flag as Gymnasium produced them.
"""
import json
import os
import random

import gymnasium as gym
import numpy as np

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
fixtures = os.path.join(root, "Tests", "EnvironmentsTests", "Fixtures")


def record(env_id, name, initial_states, policy, set_state):
    """Runs one episode per initial state; `policy(index, state, rng)` picks actions."""
    env = gym.make(env_id)
    rng = random.Random(7)
    episodes = []
    for index, initial in enumerate(initial_states):
        env.reset(seed=index)
        set_state(env.unwrapped, initial)
        steps = []
        while True:
            action = policy(index, env.unwrapped.state, rng)
            observation, reward, terminated, truncated, _ = env.step(action)
            steps.append({"action": action.tolist() if isinstance(action, np.ndarray) else action, "observation": [float("%.8g" % v) for v in observation],
                          "reward": float(reward), "terminated": bool(terminated), "truncated": bool(truncated)})
            if terminated or truncated:
                break
        episodes.append({"initial_state": [float(v) for v in initial], "steps": steps})
    path = os.path.join(fixtures, name + ".json")
    with open(path, "w") as f:
        json.dump({"gymnasium": gym.__version__, "env": env_id, "episodes": episodes}, f, separators=(",", ":"))
    print(f"wrote {path}: lengths {[len(e['steps']) for e in episodes]}")


def set_array(dtype):
    def setter(env, initial):
        env.state = np.array(initial, dtype=dtype)
    return setter


rng = random.Random(7)
# CartPole: random actions terminate; a simple controller balances until truncation.
record("CartPole-v1", "cartpole", [[rng.uniform(-0.05, 0.05) for _ in range(4)] for _ in range(5)],
       lambda i, s, r: r.randrange(2) if i < 4 else int(s[2] + 0.3 * s[3] + 0.01 * s[0] + 0.1 * s[1] > 0),
       set_array(np.float64))
# MountainCar: random actions are truncated at 200; pushing with the velocity reaches the goal.
record("MountainCar-v0", "mountaincar", [[rng.uniform(-0.6, -0.4), 0.0] for _ in range(4)],
       lambda i, s, r: r.randrange(3) if i < 2 else (2 if s[1] >= 0 else 0),
       set_array(np.float64))
# Acrobot: random torques run to truncation at 500; pumping with θ̇2 swings up and terminates.
record("Acrobot-v1", "acrobot",
       [[float(np.float32(rng.uniform(-0.1, 0.1))) for _ in range(4)] for _ in range(3)],
       lambda i, s, r: r.randrange(3) if i < 1 else (2 if s[3] > 0 else 0),
       set_array(np.float32))
# Pendulum: continuous torques. Random ones (inside and outside [-2, 2], which the env
# clips) swing it about until truncation at 200; a controller pumps energy (θ̈ = 15 sin θ
# + 3u, so E = θ̇²/2 + 15 cos θ is 15 upright and still) and balances near the top.
def pendulum_policy(i, s, r):
    if i < 2:
        return np.array([r.uniform(-3, 3)], dtype=np.float32)
    angle = ((s[0] + np.pi) % (2 * np.pi)) - np.pi
    if np.cos(angle) > 0.85:
        torque = np.clip(-8 * angle - 2 * s[1], -2, 2)
    else:
        torque = 2 * np.sign(s[1] * (15 - (0.5 * s[1] ** 2 + 15 * np.cos(angle))) + 1e-9)
    return np.array([torque], dtype=np.float32)


record("Pendulum-v1", "pendulum", [[rng.uniform(-np.pi, np.pi), rng.uniform(-1, 1)] for _ in range(3)] + [[np.pi - 0.1, 0.0]],
       pendulum_policy, set_array(np.float64))
