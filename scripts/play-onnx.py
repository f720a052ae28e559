#!/usr/bin/env python3
"""Plays a Gymnasium environment with an ONNX policy from `seedrl export`, greedily
(the graph's `action` output), and prints the mean return as one JSON line.

Usage: play-onnx.py MODEL.onnx ENV_ID EPISODES SEED
"""
import json
import sys

import gymnasium as gym
import numpy as np
import onnxruntime


def main() -> int:
    model_path, env_id, episodes, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    session = onnxruntime.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    dtype = np.uint8 if session.get_inputs()[0].type == "tensor(uint8)" else np.float32
    env = gym.make(env_id)
    returns = []
    for episode in range(episodes):
        observation, _ = env.reset(seed=seed + episode)
        total, done = 0.0, False
        while not done:
            (action,) = session.run(["action"], {"observation": np.asarray(observation, dtype=dtype)[None]})
            # A box's action row as it is (the graph clipped it); a class index as an int.
            chosen = action[0] if isinstance(env.action_space, gym.spaces.Box) else int(action[0])
            observation, reward, terminated, truncated, _ = env.step(chosen)
            total += float(reward)
            done = terminated or truncated
        returns.append(total)
    print(json.dumps({"env": env_id, "episodes": episodes, "mean_return": float(np.mean(returns)),
                      "std_return": float(np.std(returns)),
                      "min_return": float(np.min(returns)), "max_return": float(np.max(returns))}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
