"""MinAtar with its bool frames sent as uint8 0/1, the way issue 13's collapsed run sent
them (a plain `astype(np.uint8)` shim). Registers ZeroOne/<Game>-v0 (all 6 actions) and
-v1 (minimal set). Used by scripts/bench-minatar-collapse.sh:
    PYTHONPATH=scripts/experiments seedrl-actor --import minatar_zero_one --env ZeroOne/Breakout-v1
"""
import gymnasium as gym
import numpy as np
from gymnasium.envs.registration import register
from minatar.gym import BaseEnv


class ZeroOneFrames(gym.ObservationWrapper):
    def __init__(self, env):
        super().__init__(env)
        self.observation_space = gym.spaces.Box(0, 1, env.observation_space.shape, np.uint8)

    def observation(self, observation):
        return np.asarray(observation, dtype=np.uint8)


def make(game, use_minimal_action_set):
    return ZeroOneFrames(BaseEnv(game, use_minimal_action_set=use_minimal_action_set))


def register_envs():
    for game in ["asterix", "breakout", "freeway", "seaquest", "space_invaders"]:
        name = game.title().replace("_", "")
        for version, minimal in (("v0", False), ("v1", True)):
            register(id=f"ZeroOne/{name}-{version}", entry_point=make,
                     kwargs=dict(game=game, use_minimal_action_set=minimal))
