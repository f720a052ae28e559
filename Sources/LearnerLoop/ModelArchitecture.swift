/// What the model reads: the observation tensor of the served spec.
public struct ObservationFormat: Sendable, Equatable {
    public enum ElementType: Sendable, Equatable { case float32, uint8 }
    public let shape: [Int]
    public let elementType: ElementType

    public init(shape: [Int], elementType: ElementType) {
        self.shape = shape
        self.elementType = elementType
    }

    public var elementCount: Int { shape.reduce(1, *) }
    public var byteCount: Int { elementCount * (elementType == .float32 ? 4 : 1) }
}

/// The actor-critic MLP: observation encoder → tanh hidden layers → one head whose
/// outputs are the action logits and the value.
public struct ModelArchitecture: Sendable, Equatable {
    public let observation: ObservationFormat
    public let hiddenSizes: [Int]
    public let numActions: Int
    /// Frames (uint8, rank 3, large) are average-pooled by this factor per side before
    /// the MLP: a 2-core CPU cannot afford a dense layer over 28,224 inputs per step.
    public let poolFactor: Int

    public init(observation: ObservationFormat, hiddenSizes: [Int], numActions: Int) {
        precondition(numActions >= 1 && hiddenSizes.allSatisfy { $0 >= 1 })
        self.observation = observation
        self.hiddenSizes = hiddenSizes
        self.numActions = numActions
        let shape = observation.shape
        if observation.elementType == .uint8, shape.count == 3, shape[0] % 4 == 0, shape[1] % 4 == 0,
           shape[0] * shape[1] >= 1024 {
            poolFactor = 4
        } else {
            poolFactor = 1
        }
    }

    /// Width of the MLP's input after encoding.
    public var inputSize: Int {
        poolFactor == 1 ? observation.elementCount
            : (observation.shape[0] / poolFactor) * (observation.shape[1] / poolFactor) * observation.shape[2]
    }

    /// Output width of the head: logits then value.
    public var headSize: Int { numActions + 1 }

    /// Layer widths from input to head output.
    public var widths: [Int] { [inputSize] + hiddenSizes + [headSize] }

    public var layout: ParameterLayout { ParameterLayout(widths: widths) }
}

/// Where each layer's weights (`in × out`, row-major) and bias live in the flat
/// parameter vector: one buffer makes snapshots, optimizers and checkpoints simple.
public struct ParameterLayout: Sendable, Equatable {
    public struct Layer: Sendable, Equatable {
        public let inputs: Int
        public let outputs: Int
        public let weightOffset: Int
        public let biasOffset: Int
    }

    public let layers: [Layer]
    public let count: Int

    public init(widths: [Int]) {
        var layers: [Layer] = []
        var offset = 0
        for (inputs, outputs) in zip(widths, widths.dropFirst()) {
            layers.append(Layer(inputs: inputs, outputs: outputs, weightOffset: offset, biasOffset: offset + inputs * outputs))
            offset += inputs * outputs + outputs
        }
        self.layers = layers
        count = offset
    }
}
