import Contract
import Randomness

/// The action distribution on top of the model: the dense head's first `outputCount`
/// outputs (the value follows them) and the head's own `parameterCount` parameters (at
/// the end of the parameter vector) define a distribution over action rows of
/// `action.width` floats. Sampling, the greedy action, log-probabilities, entropy and the
/// loss gradient live here, so the server, the evaluator and every algorithm treat all
/// action spaces alike.
///
/// Pointers: `outputs` is a head row, `parameters` the head's own parameters (unused when
/// `parameterCount` is 0), `action` one action row.
public protocol PolicyHead: Sendable {
    /// The checkpoint's name for the head: "categorical", "gaussian", "multi-discrete".
    var name: String { get }
    var action: ActionSpec { get }
    /// Head outputs that parameterise the distribution (the value is the next one).
    var outputCount: Int { get }
    /// Trainable parameters beyond the dense head (the Gaussian's log standard deviations).
    var parameterCount: Int { get }

    /// The head's own parameters at initialisation.
    func initialParameters(into parameters: UnsafeMutablePointer<Float>)

    /// Draws an action; returns its log-probability.
    func sample(outputs: UnsafePointer<Float>, parameters: UnsafePointer<Float>, generator: inout SeededGenerator,
                into action: UnsafeMutablePointer<Float>) -> Float

    /// Draws an action without its log-probability (a server that only serves needs none;
    /// a default implementation calls `sample`).
    func sampleAction(outputs: UnsafePointer<Float>, parameters: UnsafePointer<Float>, generator: inout SeededGenerator,
                      into action: UnsafeMutablePointer<Float>)

    /// The most likely action (evaluation, export); returns its log-probability.
    func mode(outputs: UnsafePointer<Float>, parameters: UnsafePointer<Float>, into action: UnsafeMutablePointer<Float>) -> Float

    func logProbability(outputs: UnsafePointer<Float>, parameters: UnsafePointer<Float>, action: UnsafePointer<Float>) -> Float

    func entropy(outputs: UnsafePointer<Float>, parameters: UnsafePointer<Float>) -> Float

    /// For the loss `scale · (logProbabilityWeight · log π(action) − entropyWeight · H(π))`:
    /// writes its gradient with respect to the row's `outputCount` outputs into
    /// `outputGradient`, adds its gradient with respect to the head's parameters to
    /// `parameterGradient`, and returns log π(action) and H(π).
    func lossGradient(outputs: UnsafePointer<Float>, parameters: UnsafePointer<Float>, action: UnsafePointer<Float>,
                      logProbabilityWeight: Float, entropyWeight: Float, scale: Float,
                      outputGradient: UnsafeMutablePointer<Float>, parameterGradient: UnsafeMutablePointer<Float>)
        -> (logProbability: Float, entropy: Float)
}

extension PolicyHead {
    public func sampleAction(outputs: UnsafePointer<Float>, parameters: UnsafePointer<Float>, generator: inout SeededGenerator,
                             into action: UnsafeMutablePointer<Float>) {
        _ = sample(outputs: outputs, parameters: parameters, generator: &generator, into: action)
    }
}

public enum PolicyHeads {
    /// The head for an action space: categorical for discrete, a diagonal Gaussian for a
    /// box, independent categoricals for multi-discrete.
    public static func make(for action: ActionSpec) -> any PolicyHead {
        switch action {
        case .discrete(let count): CategoricalHead(count: count)
        case .box(let low, _): GaussianHead(dimensions: low.count, spec: action)
        case .multiDiscrete(let counts): MultiDiscreteHead(counts: counts)
        }
    }

    /// The names checkpoints may carry.
    public static let names = ["categorical", "gaussian", "multi-discrete"]
}
