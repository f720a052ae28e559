import Contract

/// A MinAtar game (Young & Tian 2019; PyPI `minatar` 1.0.15) as MinAtar's `Environment`
/// plays it: sticky actions (each step, with probability `stickyActionProbability`, the
/// previous action is applied instead of the chosen one, across episodes too), difficulty
/// ramping, and the full six actions (noop, left, up, right, down, fire) or the game's
/// minimal set (MinAtar/<Game>-v1). Observations are `state()`: [10, 10, C] cells, 0 or 1,
/// in (row, column, channel) order. A terminal step is LAST with discount 0; MinAtar
/// itself never truncates.
///
/// Not thread-safe: each environment belongs to one actor loop.
public final class MinAtarEnvironment: DiscreteEnvironment {
    public enum Game: String, Sendable, CaseIterable {
        case breakout, asterix, freeway
        case spaceInvaders = "space-invaders"
        case seaquest

        /// As MinAtar's Gymnasium ids name them: "Breakout", "SpaceInvaders".
        public var title: String {
            switch self {
            case .breakout: "Breakout"
            case .asterix: "Asterix"
            case .freeway: "Freeway"
            case .spaceInvaders: "SpaceInvaders"
            case .seaquest: "Seaquest"
            }
        }

        var rules: any MinAtarGame.Type {
            switch self {
            case .breakout: BreakoutGame.self
            case .asterix: AsterixGame.self
            case .freeway: FreewayGame.self
            case .spaceInvaders: SpaceInvadersGame.self
            case .seaquest: SeaquestGame.self
            }
        }
    }

    public let spec: ObservationSpec
    public let game: Game
    private var rules: any MinAtarGame
    private let random: any MinAtarRandom
    private let actionSet: [MinAtarAction]
    private let stickyActionProbability: Double
    private var lastAction = MinAtarAction.noop

    /// Draws from a `SeededGenerator` stream of `seed`.
    public convenience init(
        _ game: Game, seed: UInt64, minimalActions: Bool = false,
        stickyActionProbability: Double = 0.1, difficultyRamping: Bool = true
    ) {
        self.init(game, random: SeededMinAtarRandom(seed: seed), minimalActions: minimalActions,
                  stickyActionProbability: stickyActionProbability, difficultyRamping: difficultyRamping)
    }

    /// Draws from `random`, e.g. draws recorded from MinAtar itself.
    public init(
        _ game: Game, random: any MinAtarRandom, minimalActions: Bool = false,
        stickyActionProbability: Double = 0.1, difficultyRamping: Bool = true
    ) {
        let rules = game.rules
        self.game = game
        self.rules = rules.init(difficultyRamping: difficultyRamping)
        self.random = random
        actionSet = minimalActions ? rules.minimalActionSet : MinAtarAction.allCases
        self.stickyActionProbability = stickyActionProbability
        spec = ObservationSpec(envName: "MinAtar/\(game.title)", shape: [10, 10, rules.channelCount],
                               dtype: .uint8, numActions: actionSet.count)
    }

    /// `difficulty_ramp()`: how many times the game has sped up this episode; nil for
    /// games without a ramp (Breakout, Freeway).
    public var difficultyRamp: Int? { rules.difficultyRamp }

    /// The action the game applied last step (after sticky actions), as an index into the
    /// full action set.
    public var appliedAction: Int { lastAction.rawValue }

    public func reset(observation: UnsafeMutableRawBufferPointer) {
        rules.reset(random: random)
        write(observation)
    }

    public func step(action: Int, observation: UnsafeMutableRawBufferPointer) -> StepOutcome {
        precondition(actionSet.indices.contains(action), "MinAtar action \(action) is outside 0..<\(actionSet.count)")
        var applied = actionSet[action]
        // Drawn every step, whatever the probability and even once the game is over, as MinAtar does.
        if random.uniform() < stickyActionProbability { applied = lastAction }
        lastAction = applied
        let (reward, isTerminal) = rules.act(applied, random: random)
        write(observation)
        return StepOutcome(reward: Float(reward), isLast: isTerminal, discount: isTerminal ? 0 : 1)
    }

    private func write(_ observation: UnsafeMutableRawBufferPointer) {
        let cells = observation.bindMemory(to: UInt8.self)
        cells.update(repeating: 0)
        rules.render(into: MinAtarFrame(cells: cells, channelCount: spec.shape[2]))
    }
}
