import Contract
import LearnerLoop
import Model
import FileFormats

/// A checkpoint's policy as an ONNX graph (opset 13), for inference outside seedrl:
/// input `observation` [batch, …shape] in the checkpoint's dtype (uint8 frames are scaled
/// by 1/255 inside the graph, as the server does); outputs for a categorical head `logits`
/// [batch, actions], `probabilities` (their softmax), `action` (the greedy action, int64),
/// for a Gaussian head `mean` [batch, dimensions], `log_std` [dimensions] (the same in
/// every state) and `action` (the mean clipped into the box, as the server would send
/// it), and for both `value` [batch]. Multi-discrete heads are not exported yet. The graph computes what `ModelForward` computes: frames stay NHWC at the
/// edges and are transposed to ONNX's NCHW around the convolutions, whose weights are
/// reordered from im2col's [kh, kw, cin, cout] to [cout, cin, kh, kw].
public enum ONNXExport {
    public static let opsetVersion: Int64 = 13
    /// IR version 7 is what opset 13 shipped with: every ONNX runtime since 2020 reads it.
    public static let irVersion: Int64 = 7

    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    public static func model(of checkpoint: Checkpoint) throws(Refusal) -> ONNXModel {
        let architecture = checkpoint.architecture
        guard architecture.lstmSize == nil else {
            throw Refusal(description: "this checkpoint has an LSTM core; ONNX export covers feed-forward models only "
                + "(the recurrent state would have to become graph inputs and outputs, which no caller has asked for yet)")
        }
        guard checkpoint.parameters.count == architecture.layout.count else {
            throw Refusal(description: "the checkpoint holds \(checkpoint.parameters.count) parameters, its architecture needs \(architecture.layout.count)")
        }
        var graph = GraphBuilder(parameters: checkpoint.parameters)
        let observation = architecture.observation
        graph.graph.inputs = [ONNXValueInfo(name: "observation", elementType: observation.dtype == .uint8 ? .uint8 : .float,
                                            shape: [.named("batch")] + observation.shape.map { .fixed(Int64($0)) })]
        var features = graph.encode(observation: "observation", architecture: architecture)
        if architecture.normalizesInputs { features = graph.normalize(features, layout: architecture.layout) }
        if let plan = architecture.convTorso {
            features = graph.convTorso(plan, input: features, shape: observation.shape)
        } else {
            for layer in architecture.layout.layers.dropLast() {
                features = graph.node("Tanh", [graph.dense(layer.weightOffset, layer.biasOffset, layer.inputs, layer.outputs, input: features)])
            }
        }
        let head = architecture.layout.layers.last!
        let headOutput = graph.dense(head.weightOffset, head.biasOffset, head.inputs, head.outputs, input: features)
        switch architecture.action {
        case .discrete(let count):
            graph.outputs(head: headOutput, numActions: count)
        case .box(let low, let high):
            let offset = architecture.layout.headParameterOffset
            let logStd = checkpoint.parameters[offset..<(offset + low.count)].map(GaussianHead.clampedLogStd)
            graph.gaussianOutputs(head: headOutput, low: low, high: high, logStd: Array(logStd),
                                  squash: GaussianHead(dimensions: low.count, spec: architecture.action).squash)
        case .multiDiscrete:
            throw Refusal(description: "ONNX export covers categorical and Gaussian heads; this checkpoint's is multi-discrete")
        }
        let doc = "seedrl policy for \(checkpoint.envName): torso \(architecture.torso.rawValue), model version \(checkpoint.version), "
            + "\(checkpoint.framesTrained) frames trained"
        return ONNXModel(irVersion: irVersion, opsetVersion: opsetVersion, producerName: "seedrl", producerVersion: RunCard.seedrlVersion,
                         docString: doc, graph: graph.graph)
    }
}

/// Appends nodes and initializers with fresh names, one layer at a time.
private struct GraphBuilder {
    var graph = ONNXGraph(name: "seedrl_policy")
    let parameters: [Float]
    private var counter = 0

    init(parameters: [Float]) {
        self.parameters = parameters
    }

    private mutating func fresh(_ stem: String) -> String {
        counter += 1
        return "\(stem)_\(counter)"
    }

    /// Adds `op` reading `inputs`; returns the name of its (first) output.
    mutating func node(_ op: String, _ inputs: [String], _ attributes: [ONNXAttribute] = [], output: String? = nil) -> String {
        let result = output ?? fresh(op.lowercased())
        graph.nodes.append(ONNXNode(opType: op, name: "\(op)_\(graph.nodes.count)", inputs: inputs, outputs: [result], attributes: attributes))
        return result
    }

    mutating func constant(_ stem: String, dims: [Int], floats: [Float]) -> String {
        let name = fresh(stem)
        graph.initializers.append(ONNXTensor(name: name, dims: dims.map(Int64.init), floats: floats))
        return name
    }

    mutating func constant(_ stem: String, int64s: [Int64]) -> String {
        let name = fresh(stem)
        graph.initializers.append(ONNXTensor(name: name, dims: [Int64(int64s.count)], int64s: int64s))
        return name
    }

    private func slice(_ offset: Int, _ count: Int) -> [Float] {
        Array(parameters[offset..<offset + count])
    }

    /// The encoder: uint8 to float in [0, 1]; the MLP's 4×4 average pool of frames; a
    /// flat row for the MLP, NCHW for a conv torso.
    mutating func encode(observation: String, architecture: ModelArchitecture) -> String {
        let format = architecture.observation
        var x = observation
        if format.dtype == .uint8 {
            x = node("Cast", [x], [ONNXAttribute("to", .int(Int64(ONNXElementType.float.rawValue)))])
            x = node("Mul", [x, constant("inverse_255", dims: [], floats: [1 / 255])])
        }
        if architecture.convTorso != nil {
            return node("Transpose", [x], [ONNXAttribute("perm", .ints([0, 3, 1, 2]))])
        }
        if architecture.poolFactor > 1 {
            let pool = Int64(architecture.poolFactor)
            x = node("Transpose", [x], [ONNXAttribute("perm", .ints([0, 3, 1, 2]))])
            x = node("AveragePool", [x], [ONNXAttribute("kernel_shape", .ints([pool, pool])), ONNXAttribute("strides", .ints([pool, pool]))])
            x = node("Transpose", [x], [ONNXAttribute("perm", .ints([0, 2, 3, 1]))])
        }
        return format.shape.count == 1 ? x : node("Flatten", [x], [ONNXAttribute("axis", .int(1))])
    }

    /// x·W + b with W `[inputs, outputs]` row-major, as `Gemm`.
    mutating func dense(_ weightOffset: Int, _ biasOffset: Int, _ inputs: Int, _ outputs: Int, input: String) -> String {
        let weight = constant("dense_weight", dims: [inputs, outputs], floats: slice(weightOffset, inputs * outputs))
        let bias = constant("dense_bias", dims: [outputs], floats: slice(biasOffset, outputs))
        return node("Gemm", [input, weight, bias])
    }

    /// A convolution on NCHW with its weights reordered from [kh, kw, cin, cout].
    mutating func conv(_ layer: Conv2D, input: String) -> String {
        let (k, cin, cout) = (layer.kernel, layer.inputChannels, layer.outputChannels)
        var weights = [Float](repeating: 0, count: k * k * cin * cout)
        for ky in 0..<k {
            for kx in 0..<k {
                for c in 0..<cin {
                    for o in 0..<cout {
                        weights[((o * cin + c) * k + ky) * k + kx] = parameters[layer.weightOffset + ((ky * k + kx) * cin + c) * cout + o]
                    }
                }
            }
        }
        let weight = constant("conv_weight", dims: [cout, cin, k, k], floats: weights)
        let bias = constant("conv_bias", dims: [cout], floats: slice(layer.biasOffset, cout))
        let pad = Int64(layer.padding)
        return node("Conv", [input, weight, bias], [
            ONNXAttribute("kernel_shape", .ints([Int64(k), Int64(k)])),
            ONNXAttribute("strides", .ints([Int64(layer.stride), Int64(layer.stride)])),
            ONNXAttribute("pads", .ints([pad, pad, pad, pad])),
        ])
    }

    /// The conv torso's operations on NCHW, back to NHWC and flat before its dense layer
    /// (whose weights read rows in NHWC order).
    mutating func convTorso(_ plan: ConvTorsoPlan, input: String, shape: [Int]) -> String {
        var x = input
        for operation in plan.operations {
            switch operation {
            case .conv(let layer, let relu):
                x = conv(layer, input: x)
                if relu { x = node("Relu", [x]) }
            case .maxPool(let pool):
                let extraHeight = max((pool.outputHeight - 1) * pool.stride + pool.window - pool.height, 0)
                let extraWidth = max((pool.outputWidth - 1) * pool.stride + pool.window - pool.width, 0)
                let pads = [pool.padTop, pool.padLeft, extraHeight - pool.padTop, extraWidth - pool.padLeft].map(Int64.init)
                x = node("MaxPool", [x], [
                    ONNXAttribute("kernel_shape", .ints([Int64(pool.window), Int64(pool.window)])),
                    ONNXAttribute("strides", .ints([Int64(pool.stride), Int64(pool.stride)])),
                    ONNXAttribute("pads", .ints(pads)),
                ])
            case .residual(let first, let second):
                var branch = node("Relu", [x])
                branch = node("Relu", [conv(first, input: branch)])
                branch = conv(second, input: branch)
                x = node("Add", [x, branch])
            case .relu:
                x = node("Relu", [x])
            case .dense(let layer):
                x = node("Transpose", [x], [ONNXAttribute("perm", .ints([0, 2, 3, 1]))])
                x = node("Flatten", [x], [ONNXAttribute("axis", .int(1))])
                x = node("Relu", [dense(layer.weightOffset, layer.biasOffset, layer.inputs, layer.outputs, input: x)])
            }
        }
        return x
    }

    /// (x − mean) · inverseStd clipped to ±InputNormalizer.clip, with the statistics the
    /// checkpoint's parameters hold (as `InputNormalizer` applies them).
    mutating func normalize(_ input: String, layout: ParameterLayout) -> String {
        let width = layout.normalizedInputs
        let centred = node("Sub", [input, constant("input_mean", dims: [width], floats: slice(layout.normalizerOffset, width))])
        let scaled = node("Mul", [centred, constant("input_inverse_std", dims: [width], floats: slice(layout.normalizerOffset + width, width))])
        return node("Clip", [scaled, constant("clip_min", dims: [], floats: [-InputNormalizer.clip]),
                             constant("clip_max", dims: [], floats: [InputNormalizer.clip])])
    }

    /// Splits a Gaussian head's [batch, dimensions + 1] into the graph's outputs.
    mutating func gaussianOutputs(head: String, low: [Float], high: [Float], logStd: [Float], squash: [(centre: Float, halfWidth: Float)?]) {
        let dimensions = Int64(low.count), width = low.count
        let columns = constant("axes", int64s: [1])
        let outputs = node("Slice", [head, constant("starts", int64s: [0]), constant("ends", int64s: [dimensions]), columns])
        // As GaussianHead: bounded dimensions centre + halfWidth·tanh(output), the others the
        // output itself, blended by a 0/1 mask so one graph serves every box.
        let isBounded = squash.map { $0 == nil ? Float(0) : 1 }
        let squashed = node("Add", [node("Mul", [node("Tanh", [outputs]), constant("half_width", dims: [width], floats: squash.map { $0?.halfWidth ?? 0 })]),
                                    constant("centre", dims: [width], floats: squash.map { $0?.centre ?? 0 })])
        let bounded = node("Mul", [squashed, constant("bounded", dims: [width], floats: isBounded)])
        let unbounded = node("Mul", [outputs, constant("unbounded", dims: [width], floats: isBounded.map { 1 - $0 })])
        let mean = node("Add", [bounded, unbounded], output: "mean")
        let valueColumn = node("Slice", [head, constant("starts", int64s: [dimensions]), constant("ends", int64s: [dimensions + 1]), columns])
        _ = node("Reshape", [valueColumn, constant("shape", int64s: [-1])], output: "value")
        let raised = node("Max", [mean, constant("low", dims: [low.count], floats: low)])
        _ = node("Min", [raised, constant("high", dims: [high.count], floats: high)], output: "action")
        _ = node("Identity", [constant("log_std", dims: [logStd.count], floats: logStd)], output: "log_std")
        graph.outputs = [
            ONNXValueInfo(name: "mean", elementType: .float, shape: [.named("batch"), .fixed(dimensions)]),
            ONNXValueInfo(name: "log_std", elementType: .float, shape: [.fixed(dimensions)]),
            ONNXValueInfo(name: "action", elementType: .float, shape: [.named("batch"), .fixed(dimensions)]),
            ONNXValueInfo(name: "value", elementType: .float, shape: [.named("batch")]),
        ]
    }

    /// Splits the head's [batch, actions + 1] into the graph's outputs.
    mutating func outputs(head: String, numActions: Int) {
        let actions = Int64(numActions)
        let columns = constant("axes", int64s: [1])
        let logits = node("Slice", [head, constant("starts", int64s: [0]), constant("ends", int64s: [actions]), columns], output: "logits")
        let valueColumn = node("Slice", [head, constant("starts", int64s: [actions]), constant("ends", int64s: [actions + 1]), columns])
        _ = node("Reshape", [valueColumn, constant("shape", int64s: [-1])], output: "value")
        _ = node("Softmax", [logits], [ONNXAttribute("axis", .int(1))], output: "probabilities")
        _ = node("ArgMax", [logits], [ONNXAttribute("axis", .int(1)), ONNXAttribute("keepdims", .int(0))], output: "action")
        graph.outputs = [
            ONNXValueInfo(name: "logits", elementType: .float, shape: [.named("batch"), .fixed(actions)]),
            ONNXValueInfo(name: "probabilities", elementType: .float, shape: [.named("batch"), .fixed(actions)]),
            ONNXValueInfo(name: "action", elementType: .int64, shape: [.named("batch")]),
            ONNXValueInfo(name: "value", elementType: .float, shape: [.named("batch")]),
        ]
    }
}
