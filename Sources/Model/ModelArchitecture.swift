import Contract

/// The actor-critic model: observation encoder → optional input normalisation → torso (tanh dense layers, or a
/// convolutional network for frames) → optionally an LSTM core → one dense head whose
/// outputs are the policy head's distribution parameters (logits, Gaussian means) and the
/// value; the policy head's own parameters (a Gaussian's log σ) come last.
public struct ModelArchitecture: Sendable, Equatable {
    public let observation: ObservationFormat
    public let torso: TorsoKind
    /// The MLP torso's layer widths (empty for a conv torso); with `mlp-separate`, each of
    /// its two MLPs' (`torsoWidths` are the stored ones).
    public let hiddenSizes: [Int]
    public let action: ActionSpec
    /// The action distribution, made from `action`.
    public let head: any PolicyHead
    /// Width of the LSTM core between torso and head; nil for a feed-forward model.
    public let lstmSize: Int?
    /// For the MLP, frames (uint8, rank 3, large) are average-pooled by this factor per
    /// side first: a dense layer over 28,224 inputs per step is beyond a 2-core CPU. A conv
    /// torso reads the whole frame (1).
    public let poolFactor: Int
    /// The conv torso's layers and their parameters (nil for the MLP).
    public let convTorso: ConvTorsoPlan?
    /// Normalise each encoded input by running statistics the learner keeps of what it
    /// trains on ((x − mean) / std, clipped to ±`InputNormalizer.clip`), as MuJoCo learners
    /// do: states whose features differ by orders of magnitude train badly through tanh.
    public let normalizesInputs: Bool

    /// A model with `numActions` discrete actions.
    public init(observation: ObservationFormat, torso: TorsoKind = .mlp, hiddenSizes: [Int], numActions: Int, lstmSize: Int? = nil) {
        self.init(observation: observation, torso: torso, hiddenSizes: hiddenSizes, action: .discrete(numActions), lstmSize: lstmSize)
    }

    public init(observation: ObservationFormat, torso: TorsoKind = .mlp, hiddenSizes: [Int], action: ActionSpec, lstmSize: Int? = nil,
                normalizesInputs: Bool = false) {
        self.normalizesInputs = normalizesInputs
        precondition(action.problem == nil && hiddenSizes.allSatisfy { $0 >= 1 } && (lstmSize ?? 1) >= 1 && observation.dtype != .unspecified)
        precondition(!torso.isConvolutional || observation.shape.count == 3, "a conv torso needs [height, width, channels] frames")
        precondition(Self.problem(torso: torso, hiddenSizes: hiddenSizes, lstmSize: lstmSize) == nil)
        self.observation = observation
        self.torso = torso
        self.hiddenSizes = torso.isConvolutional ? [] : hiddenSizes
        self.action = action
        head = PolicyHeads.make(for: action)
        self.lstmSize = lstmSize
        let shape = observation.shape
        if torso.isMLP, observation.dtype == .uint8, shape.count == 3, shape[0] % 4 == 0, shape[1] % 4 == 0,
           shape[0] * shape[1] >= 1024 {
            poolFactor = 4
        } else {
            poolFactor = 1
        }
        convTorso = torso.isConvolutional ? ConvTorsoPlan(kind: torso, shape: shape) : nil
    }

    /// Width of the torso's input after encoding.
    public var inputSize: Int {
        poolFactor == 1 ? observation.elementCount
            : (observation.shape[0] / poolFactor) * (observation.shape[1] / poolFactor) * observation.shape[2]
    }

    /// Why these cannot make a model (nil when they can): `mlp-separate` needs hidden layers
    /// (without them there is nothing to separate) and no LSTM core (one core over both
    /// MLPs would share again what they keep apart). Never traps: checkpoints call it on
    /// what they read.
    public static func problem(torso: TorsoKind, hiddenSizes: [Int], lstmSize: Int?) -> String? {
        guard torso == .separateMLP else { return nil }
        if hiddenSizes.isEmpty { return "the mlp-separate torso needs at least one hidden layer" }
        if lstmSize != nil { return "the mlp-separate torso takes no LSTM core (it would share what the two MLPs keep apart)" }
        return nil
    }

    /// MLPs side by side in the torso: 2 for `mlp-separate`, else 1.
    public var towers: Int { torso == .separateMLP ? 2 : 1 }

    /// The dense torso layers' stored widths: `hiddenSizes`, twice as wide with two towers.
    public var torsoWidths: [Int] { hiddenSizes.map { $0 * towers } }

    /// Width of the torso's output: what the core or the head reads.
    public var featureSize: Int { convTorso?.outputSize ?? torsoWidths.last ?? inputSize }

    /// Output width of the dense head: the distribution's parameters, then the value.
    public var headSize: Int { head.outputCount + 1 }

    /// Where the value lies in a head row.
    public var valueIndex: Int { head.outputCount }

    public static func == (lhs: ModelArchitecture, rhs: ModelArchitecture) -> Bool {
        // `head` is made from `action`.
        lhs.observation == rhs.observation && lhs.torso == rhs.torso && lhs.hiddenSizes == rhs.hiddenSizes
            && lhs.action == rhs.action && lhs.lstmSize == rhs.lstmSize && lhs.normalizesInputs == rhs.normalizesInputs
    }

    /// Floats of recurrent state per stream (h then c); 0 for a feed-forward model.
    public var stateSize: Int { 2 * (lstmSize ?? 0) }

    public var layout: ParameterLayout {
        if let convTorso {
            return ParameterLayout(convTorso: convTorso, lstmSize: lstmSize, headSize: headSize,
                                   headParameters: head.parameterCount, normalizedInputs: normalizesInputs ? inputSize : 0)
        }
        return ParameterLayout(torso: [inputSize] + torsoWidths, lstmSize: lstmSize, headSize: headSize,
                               headParameters: head.parameterCount, normalizedInputs: normalizesInputs ? inputSize : 0)
    }
}

/// Where each layer's weights (`in × out`, row-major) and bias live in the flat
/// parameter vector: one buffer makes snapshots, optimizers and checkpoints simple.
/// Order: the torso (its dense layers, or its conv network), the LSTM core (if any), the
/// dense head, the policy head's own parameters, the input normaliser's statistics (not
/// trained by gradient: the learner writes them).
public struct ParameterLayout: Sendable, Equatable {
    public struct Layer: Sendable, Equatable {
        public let inputs: Int
        public let outputs: Int
        public let weightOffset: Int
        public let biasOffset: Int
    }

    /// The LSTM core: gates = x·Wx + h·Wh + b, four blocks of `size` (input, forget,
    /// cell, output), `Wx` is `inputs × 4·size`, `Wh` is `size × 4·size`.
    public struct LSTM: Sendable, Equatable {
        public let inputs: Int
        public let size: Int
        public let inputWeightOffset: Int
        public let recurrentWeightOffset: Int
        public let biasOffset: Int
    }

    /// The dense layers: the MLP torso's, then the head (last).
    public let layers: [Layer]
    public let lstm: LSTM?
    /// A conv torso's parameters come first, at 0..<convTorso.parameterCount.
    public let convTorso: ConvTorsoPlan?
    /// The policy head's own parameters: `headParameterOffset..<normalizerOffset`.
    public let headParameterOffset: Int
    /// The input normaliser's means then inverse standard deviations (`normalizedInputs`
    /// each) at `normalizerOffset..<count`; none when the inputs are not normalised.
    public let normalizerOffset: Int
    public let normalizedInputs: Int
    public let count: Int

    /// A feed-forward stack (the last width is the head's).
    public init(widths: [Int]) {
        self.init(torso: Array(widths.dropLast()), lstmSize: nil, headSize: widths.last!)
    }

    public init(torso: [Int], lstmSize: Int?, headSize: Int, headParameters: Int = 0, normalizedInputs: Int = 0) {
        self.init(torso: torso, convTorso: nil, lstmSize: lstmSize, headSize: headSize, headParameters: headParameters,
                  normalizedInputs: normalizedInputs)
    }

    /// A conv torso's parameters, then the core and the head over its features.
    public init(convTorso: ConvTorsoPlan, lstmSize: Int?, headSize: Int, headParameters: Int = 0, normalizedInputs: Int = 0) {
        self.init(torso: [convTorso.outputSize], convTorso: convTorso, lstmSize: lstmSize, headSize: headSize,
                  headParameters: headParameters, normalizedInputs: normalizedInputs)
    }

    private init(torso: [Int], convTorso: ConvTorsoPlan?, lstmSize: Int?, headSize: Int, headParameters: Int, normalizedInputs: Int) {
        var layers: [Layer] = []
        var offset = convTorso?.parameterCount ?? 0
        self.convTorso = convTorso
        func dense(_ inputs: Int, _ outputs: Int) {
            layers.append(Layer(inputs: inputs, outputs: outputs, weightOffset: offset, biasOffset: offset + inputs * outputs))
            offset += inputs * outputs + outputs
        }
        for (inputs, outputs) in zip(torso, torso.dropFirst()) { dense(inputs, outputs) }
        let torsoOutput = torso.last!
        if let size = lstmSize {
            let gates = 4 * size
            lstm = LSTM(inputs: torsoOutput, size: size, inputWeightOffset: offset,
                        recurrentWeightOffset: offset + torsoOutput * gates, biasOffset: offset + (torsoOutput + size) * gates)
            offset += (torsoOutput + size) * gates + gates
        } else {
            lstm = nil
        }
        dense(lstmSize ?? torsoOutput, headSize)
        self.layers = layers
        headParameterOffset = offset
        normalizerOffset = offset + headParameters
        self.normalizedInputs = normalizedInputs
        count = normalizerOffset + 2 * normalizedInputs
    }
}
