/// MinAtar's action set, in its order: `action_map = ['n','l','u','r','d','f']`.
enum MinAtarAction: Int, CaseIterable {
    case noop, left, up, right, down, fire
}

/// The rules of one MinAtar game (minatar/environments/<game>.py's `Env`), without
/// sticky actions or action sets, which `MinAtarEnvironment` adds as MinAtar's
/// `Environment` does.
protocol MinAtarGame {
    /// The number of channels in `state()`: the observation is [10, 10, channelCount].
    static var channelCount: Int { get }
    /// `minimal_action_set()`: the actions that do something in this game.
    static var minimalActionSet: [MinAtarAction] { get }

    /// A game that has not started: terminal until the first `reset`, so that stepping it
    /// does what stepping a finished MinAtar game does (nothing).
    init(difficultyRamping: Bool)
    /// `reset()`.
    mutating func reset(random: any MinAtarRandom)
    /// `act(a)`: the reward and whether the game is over. A finished game returns (0, true).
    mutating func act(_ action: MinAtarAction, random: any MinAtarRandom) -> (reward: Int, isTerminal: Bool)
    /// `state()`: sets the true cells of a zeroed frame.
    func render(into frame: MinAtarFrame)
    /// `difficulty_ramp()`: the ramp level, nil for games that do not ramp.
    var difficultyRamp: Int? { get }
}
