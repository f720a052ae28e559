/// A 2-D convolution's shapes on NHWC rows: `kernel`×`kernel` windows moved by `stride`,
/// `padding` zeros on each side. Weights are `[kernel·kernel·inputChannels, outputChannels]`
/// row-major (the im2col order: kernel row, kernel column, input channel), then the bias.
public struct Conv2D: Sendable, Equatable {
    public let height, width, inputChannels: Int
    public let kernel, stride, padding: Int
    public let outputChannels: Int
    public var weightOffset = 0

    public init(height: Int, width: Int, inputChannels: Int, outputChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0) {
        precondition(kernel >= 1 && stride >= 1 && padding >= 0 && height + 2 * padding >= kernel && width + 2 * padding >= kernel)
        self.height = height
        self.width = width
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
    }

    /// 'SAME' padding at stride 1 (output as large as the input), for odd kernels.
    public static func same(height: Int, width: Int, inputChannels: Int, outputChannels: Int, kernel: Int) -> Conv2D {
        Conv2D(height: height, width: width, inputChannels: inputChannels, outputChannels: outputChannels,
               kernel: kernel, stride: 1, padding: (kernel - 1) / 2)
    }

    public var outputHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
    public var outputWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
    /// Floats per row in and out.
    public var inputSize: Int { height * width * inputChannels }
    public var outputSize: Int { outputHeight * outputWidth * outputChannels }
    /// One im2col row: a window of every input channel.
    public var patchSize: Int { kernel * kernel * inputChannels }
    public var positions: Int { outputHeight * outputWidth }
    public var parameterCount: Int { patchSize * outputChannels + outputChannels }
    public var biasOffset: Int { weightOffset + patchSize * outputChannels }
    /// Multiply-adds per row of the forward pass.
    public var multiplyAdds: Int { positions * patchSize * outputChannels }
}

/// Max-pooling over `window`×`window` moved by `stride`, 'SAME' padding as TensorFlow
/// pads it (the output is ⌈size / stride⌉; the padding, split with the extra on the far
/// side, never wins a maximum).
public struct MaxPool2D: Sendable, Equatable {
    public let height, width, channels, window, stride: Int

    public init(height: Int, width: Int, channels: Int, window: Int = 3, stride: Int = 2) {
        self.height = height
        self.width = width
        self.channels = channels
        self.window = window
        self.stride = stride
    }

    public var outputHeight: Int { (height + stride - 1) / stride }
    public var outputWidth: Int { (width + stride - 1) / stride }
    public var padTop: Int { max((outputHeight - 1) * stride + window - height, 0) / 2 }
    public var padLeft: Int { max((outputWidth - 1) * stride + window - width, 0) / 2 }
    public var inputSize: Int { height * width * channels }
    public var outputSize: Int { outputHeight * outputWidth * channels }
}

/// A dense layer `[inputs, outputs]` row-major, then the bias.
public struct Dense: Sendable, Equatable {
    public let inputs, outputs: Int
    public var weightOffset = 0

    public init(inputs: Int, outputs: Int) {
        self.inputs = inputs
        self.outputs = outputs
    }

    public var parameterCount: Int { inputs * outputs + outputs }
    public var biasOffset: Int { weightOffset + inputs * outputs }
}
