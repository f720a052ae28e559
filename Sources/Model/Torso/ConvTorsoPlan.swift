/// A convolutional torso as a list of operations on NHWC rows, with every layer's place in
/// the flat parameter vector. Built from the torso's kind and the frame's shape.
public struct ConvTorsoPlan: Sendable, Equatable {
    public enum Operation: Sendable, Equatable {
        /// A convolution, then ReLU if `relu`.
        case conv(Conv2D, relu: Bool)
        case maxPool(MaxPool2D)
        /// IMPALA's block: out = x + conv₂(relu(conv₁(relu(x)))).
        case residual(Conv2D, Conv2D)
        /// ReLU alone, over `size` floats per row.
        case relu(size: Int)
        /// A dense layer over the flattened row, then ReLU.
        case dense(Dense)

        var outputSize: Int {
            switch self {
            case .conv(let conv, _): conv.outputSize
            case .maxPool(let pool): pool.outputSize
            case .residual(let first, _): first.inputSize
            case .relu(let size): size
            case .dense(let dense): dense.outputs
            }
        }
    }

    public let kind: TorsoKind
    public let operations: [Operation]
    public let inputSize: Int
    /// Features per row for the core or the heads.
    public let outputSize: Int
    /// Parameters, from `firstOffset` on.
    public let parameterCount: Int

    /// - Parameter shape: the frame, [height, width, channels].
    public init(kind: TorsoKind, shape: [Int], firstOffset: Int = 0) {
        precondition(kind.isConvolutional && shape.count == 3, "a conv torso needs a [height, width, channels] frame")
        var operations: [Operation] = []
        var offset = firstOffset
        var (height, width, channels) = (shape[0], shape[1], shape[2])
        func conv(_ outputChannels: Int, _ kernel: Int, stride: Int = 1, same: Bool = false) -> Conv2D {
            var layer = same
                ? Conv2D.same(height: height, width: width, inputChannels: channels, outputChannels: outputChannels, kernel: kernel)
                : Conv2D(height: height, width: width, inputChannels: channels, outputChannels: outputChannels, kernel: kernel, stride: stride)
            layer.weightOffset = offset
            offset += layer.parameterCount
            (height, width, channels) = (layer.outputHeight, layer.outputWidth, outputChannels)
            return layer
        }
        func dense(_ outputs: Int) -> Dense {
            var layer = Dense(inputs: height * width * channels, outputs: outputs)
            layer.weightOffset = offset
            offset += layer.parameterCount
            return layer
        }
        switch kind {
        case .minatar:
            operations.append(.conv(conv(16, 3), relu: true))
            operations.append(.dense(dense(128)))
        case .nature:
            operations.append(.conv(conv(32, 8, stride: 4), relu: true))
            operations.append(.conv(conv(64, 4, stride: 2), relu: true))
            operations.append(.conv(conv(64, 3), relu: true))
            operations.append(.dense(dense(512)))
        case .impala:
            for stageChannels in [16, 32, 32] {
                operations.append(.conv(conv(stageChannels, 3, same: true), relu: false))
                let pool = MaxPool2D(height: height, width: width, channels: channels)
                operations.append(.maxPool(pool))
                (height, width) = (pool.outputHeight, pool.outputWidth)
                for _ in 0..<2 {
                    let first = conv(stageChannels, 3, same: true)
                    let second = conv(stageChannels, 3, same: true)
                    operations.append(.residual(first, second))
                }
            }
            operations.append(.relu(size: height * width * channels))
            operations.append(.dense(dense(256)))
        case .mlp, .separateMLP:
            preconditionFailure("unreachable")
        }
        self.kind = kind
        self.operations = operations
        inputSize = shape.reduce(1, *)
        outputSize = operations.last!.outputSize
        parameterCount = offset - firstOffset
    }

    /// Why `kind` cannot read frames of `shape` (too small for its kernels and strides, or
    /// not [height, width, channels]); nil when it can. Never traps: checkpoints call it on
    /// untrusted shapes before building a plan.
    public static func problem(kind: TorsoKind, shape: [Int]) -> String? {
        guard kind.isConvolutional else { return nil }
        guard shape.count == 3, shape.allSatisfy({ $0 >= 1 && $0 <= 4096 }) else {
            return "the \(kind.rawValue) torso needs [height, width, channels] frames, got \(shape)"
        }
        var (height, width) = (shape[0], shape[1])
        let valid: [(kernel: Int, stride: Int)] = switch kind {
        case .minatar: [(3, 1)]
        case .nature: [(8, 4), (4, 2), (3, 1)]
        default: []
        }
        for (kernel, stride) in valid {
            guard height >= kernel && width >= kernel else {
                return "frames of \(shape[0])×\(shape[1]) are too small for the \(kind.rawValue) torso"
            }
            (height, width) = ((height - kernel) / stride + 1, (width - kernel) / stride + 1)
        }
        return nil
    }

    /// Multiply-adds per row of the forward pass (the backward pass is about twice this).
    public var multiplyAdds: Int {
        operations.reduce(0) { total, operation in
            switch operation {
            case .conv(let conv, _): total + conv.multiplyAdds
            case .residual(let first, let second): total + first.multiplyAdds + second.multiplyAdds
            case .dense(let dense): total + dense.inputs * dense.outputs
            case .maxPool, .relu: total
            }
        }
    }
}
