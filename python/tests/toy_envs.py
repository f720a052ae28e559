"""Tiny Gymnasium environments for scripts/test-python-actor.sh, registered on import
(`seedrl-actor --import toy_envs`, with this folder on PYTHONPATH):

- SeedrlToy/MultiDiscrete-v0: observation Box(4,) float32, action MultiDiscrete([3, 2]);
  20-step episodes, reward 1 per dimension chosen right (dimension 0: argmax of obs[:3];
  dimension 1: whether obs[3] > 0), so a learner can improve on it.
- SeedrlToy/UnevenBox-v0: observation Box(2,), action Box([-1, 0], [1, 5]): bounds that
  differ per dimension, which `seedrl server --action-space box:` cannot express.
"""
import gymnasium as gym
import numpy as np


class MultiDiscreteToy(gym.Env):
    observation_space = gym.spaces.Box(-1.0, 1.0, (4,), np.float32)
    action_space = gym.spaces.MultiDiscrete([3, 2])
    length = 20

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        self.observation = self.np_random.uniform(-1, 1, 4).astype(np.float32)
        return self.observation, {}

    def step(self, action):
        action = np.asarray(action)
        assert action.shape == (2,) and self.action_space.contains(action), action
        reward = float(action[0] == np.argmax(self.observation[:3])) + float(action[1] == (self.observation[3] > 0))
        self.t += 1
        self.observation = self.np_random.uniform(-1, 1, 4).astype(np.float32)
        return self.observation, reward, False, self.t >= self.length, {}


class UnevenBoxToy(gym.Env):
    observation_space = gym.spaces.Box(-1.0, 1.0, (2,), np.float32)
    action_space = gym.spaces.Box(np.array([-1.0, 0.0], np.float32), np.array([1.0, 5.0], np.float32))

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return np.zeros(2, np.float32), {}

    def step(self, action):
        assert self.action_space.contains(np.asarray(action, np.float32)), action
        return np.zeros(2, np.float32), 0.0, False, True, {}


gym.register("SeedrlToy/MultiDiscrete-v0", entry_point=MultiDiscreteToy)
gym.register("SeedrlToy/UnevenBox-v0", entry_point=UnevenBoxToy)
