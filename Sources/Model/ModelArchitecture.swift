import Contract

/// The actor-critic model: observation encoder → torso (tanh dense layers, or a
/// convolutional network for frames) → optionally an LSTM core → one head whose outputs
/// are the action logits and the value.
public struct ModelArchitecture: Sendable, Equatable {
    public let observation: ObservationFormat
    public let torso: TorsoKind
    /// The MLP torso's layer widths (empty for a conv torso).
    public let hiddenSizes: [Int]
    public let numActions: Int
    /// Width of the LSTM core between torso and head; nil for a feed-forward model.
    public let lstmSize: Int?
    /// For the MLP, frames (uint8, rank 3, large) are average-pooled by this factor per
    /// side first: a dense layer over 28,224 inputs per step is beyond a 2-core CPU. A conv
    /// torso reads the whole frame (1).
    public let poolFactor: Int
    /// The conv torso's layers and their parameters (nil for the MLP).
    public let convTorso: ConvTorsoPlan?

    public init(observation: ObservationFormat, torso: TorsoKind = .mlp, hiddenSizes: [Int], numActions: Int, lstmSize: Int? = nil) {
        precondition(numActions >= 1 && hiddenSizes.allSatisfy { $0 >= 1 } && (lstmSize ?? 1) >= 1 && observation.dtype != .unspecified)
        precondition(!torso.isConvolutional || observation.shape.count == 3, "a conv torso needs [height, width, channels] frames")
        self.observation = observation
        self.torso = torso
        self.hiddenSizes = torso.isConvolutional ? [] : hiddenSizes
        self.numActions = numActions
        self.lstmSize = lstmSize
        let shape = observation.shape
        if torso == .mlp, observation.dtype == .uint8, shape.count == 3, shape[0] % 4 == 0, shape[1] % 4 == 0,
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

    /// Width of the torso's output: what the core or the head reads.
    public var featureSize: Int { convTorso?.outputSize ?? hiddenSizes.last ?? inputSize }

    /// Output width of the head: logits then value.
    public var headSize: Int { numActions + 1 }

    /// Floats of recurrent state per stream (h then c); 0 for a feed-forward model.
    public var stateSize: Int { 2 * (lstmSize ?? 0) }

    public var layout: ParameterLayout {
        if let convTorso {
            return ParameterLayout(convTorso: convTorso, lstmSize: lstmSize, headSize: headSize)
        }
        return ParameterLayout(torso: [inputSize] + hiddenSizes, lstmSize: lstmSize, headSize: headSize)
    }
}

/// Where each layer's weights (`in × out`, row-major) and bias live in the flat
/// parameter vector: one buffer makes snapshots, optimizers and checkpoints simple.
/// Order: the torso (its dense layers, or its conv network), the LSTM core (if any), the head.
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
    public let count: Int

    /// A feed-forward stack (the last width is the head's).
    public init(widths: [Int]) {
        self.init(torso: Array(widths.dropLast()), lstmSize: nil, headSize: widths.last!)
    }

    public init(torso: [Int], lstmSize: Int?, headSize: Int) {
        self.init(torso: torso, convTorso: nil, lstmSize: lstmSize, headSize: headSize)
    }

    /// A conv torso's parameters, then the core and the head over its features.
    public init(convTorso: ConvTorsoPlan, lstmSize: Int?, headSize: Int) {
        self.init(torso: [convTorso.outputSize], convTorso: convTorso, lstmSize: lstmSize, headSize: headSize)
    }

    private init(torso: [Int], convTorso: ConvTorsoPlan?, lstmSize: Int?, headSize: Int) {
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
        count = offset
    }
}
