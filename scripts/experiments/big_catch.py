"""bsuite's Catch drawn as an Atari-sized 84×84 uint8 frame (ball 4×4 pixels, paddle 4×8,
columns 16 pixels apart): a task the Nature DQN torso (which needs frames of at least
36×36) must learn in a few tens of thousands of steps, to tell "the torso does not learn"
apart from "Pong is slow to start". Random play scores about -0.6; catching every ball, +1.
Registers BigCatch-v0 (3 actions: left, stay, right) and BigCatchStacked-v0, the same
game as Atari's observations are (84×84×4: the last 4 frames, newest last), so the whole
data path of Pong (frames of 28 KB, 32 of them per ActBatch message) is exercised:
    PYTHONPATH=scripts/experiments seedrl-actor --import big_catch --env BigCatch-v0
"""
import gymnasium as gym
import numpy as np
from gymnasium.envs.registration import register

ROWS, COLUMNS, SIZE = 10, 5, 84


class BigCatch(gym.Env):
    def __init__(self):
        self.observation_space = gym.spaces.Box(0, 255, (SIZE, SIZE, 1), np.uint8)
        self.action_space = gym.spaces.Discrete(3)

    def reset(self, seed=None, options=None):
        super().reset(seed=seed)
        self.ball_row, self.ball_column = 0, int(self.np_random.integers(COLUMNS))
        self.paddle = COLUMNS // 2
        return self._frame(), {}

    def step(self, action):
        self.paddle = min(max(self.paddle + int(action) - 1, 0), COLUMNS - 1)
        self.ball_row += 1
        done = self.ball_row == ROWS - 1
        reward = (1.0 if self.ball_column == self.paddle else -1.0) if done else 0.0
        return self._frame(), reward, done, False, {}

    def _frame(self):
        frame = np.zeros((SIZE, SIZE, 1), np.uint8)
        y, x = 2 + 8 * self.ball_row, 4 + 16 * self.ball_column
        frame[y:y + 4, x:x + 4] = 255
        y, x = 2 + 8 * (ROWS - 1), 2 + 16 * self.paddle
        frame[y:y + 4, x:x + 8] = 255
        return frame


class BigCatchStacked(gym.Wrapper):
    def __init__(self):
        super().__init__(BigCatch())
        self.observation_space = gym.spaces.Box(0, 255, (SIZE, SIZE, 4), np.uint8)
        self.frames = np.zeros((SIZE, SIZE, 4), np.uint8)

    def reset(self, **kwargs):
        frame, info = self.env.reset(**kwargs)
        self.frames[:] = frame  # as FrameStackObservation pads with the first frame
        return self.frames.copy(), info

    def step(self, action):
        frame, reward, terminated, truncated, info = self.env.step(action)
        self.frames = np.concatenate([self.frames[:, :, 1:], frame], axis=2)
        return self.frames.copy(), reward, terminated, truncated, info


def register_envs():
    register(id="BigCatch-v0", entry_point=BigCatch)
    register(id="BigCatchStacked-v0", entry_point=BigCatchStacked)
