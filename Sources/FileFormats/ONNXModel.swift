/// Swift values of the ONNX model format's subset that `seedrl export` writes
/// (`Protos/onnx/onnx_subset.proto`, with ONNX's own field numbers). Encoding and
/// decoding live in `ONNXCodec`; nothing here sees C.
public struct ONNXModel: Sendable, Equatable {
    public var irVersion: Int64
    public var opsetVersion: Int64
    public var producerName: String
    public var producerVersion: String
    public var docString: String
    public var graph: ONNXGraph

    public init(irVersion: Int64, opsetVersion: Int64, producerName: String, producerVersion: String, docString: String, graph: ONNXGraph) {
        self.irVersion = irVersion
        self.opsetVersion = opsetVersion
        self.producerName = producerName
        self.producerVersion = producerVersion
        self.docString = docString
        self.graph = graph
    }
}

public struct ONNXGraph: Sendable, Equatable {
    public var name: String
    public var nodes: [ONNXNode]
    public var initializers: [ONNXTensor]
    public var inputs: [ONNXValueInfo]
    public var outputs: [ONNXValueInfo]

    public init(name: String, nodes: [ONNXNode] = [], initializers: [ONNXTensor] = [], inputs: [ONNXValueInfo] = [], outputs: [ONNXValueInfo] = []) {
        self.name = name
        self.nodes = nodes
        self.initializers = initializers
        self.inputs = inputs
        self.outputs = outputs
    }

    /// The first value a node reads before anything defines it (nil: the graph is in
    /// topological order and closed, as ONNX requires).
    public var firstUndefinedValue: String? {
        var defined = Set(inputs.map(\.name) + initializers.map(\.name))
        for node in nodes {
            if let missing = node.inputs.first(where: { !defined.contains($0) }) { return missing }
            defined.formUnion(node.outputs)
        }
        return outputs.map(\.name).first { !defined.contains($0) }
    }
}

public struct ONNXNode: Sendable, Equatable {
    public var opType: String
    public var name: String
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [ONNXAttribute]

    public init(opType: String, name: String, inputs: [String], outputs: [String], attributes: [ONNXAttribute] = []) {
        self.opType = opType
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
    }
}

public struct ONNXAttribute: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case float(Float)
        case int(Int64)
        case ints([Int64])
    }

    public var name: String
    public var value: Value

    public init(_ name: String, _ value: Value) {
        self.name = name
        self.value = value
    }
}

/// ONNX's TensorProto.DataType numbers for the element types an exported policy uses.
public enum ONNXElementType: Int32, Sendable {
    case float = 1
    case uint8 = 2
    case int64 = 7
}

/// A constant tensor (weights, shapes), stored as little-endian raw data.
public struct ONNXTensor: Sendable, Equatable {
    public var name: String
    public var dims: [Int64]
    public var elementType: ONNXElementType
    public var rawData: [UInt8]

    public init(name: String, dims: [Int64], floats: [Float]) {
        precondition(dims.reduce(1, *) == Int64(floats.count), "\(name): \(floats.count) floats for dims \(dims)")
        self.init(name: name, dims: dims, elementType: .float, rawData: floats.withUnsafeBytes { Array($0) })
    }

    public init(name: String, dims: [Int64], int64s: [Int64]) {
        precondition(dims.reduce(1, *) == Int64(int64s.count), "\(name): \(int64s.count) values for dims \(dims)")
        self.init(name: name, dims: dims, elementType: .int64, rawData: int64s.withUnsafeBytes { Array($0) })
    }

    public init(name: String, dims: [Int64], elementType: ONNXElementType, rawData: [UInt8]) {
        self.name = name
        self.dims = dims
        self.elementType = elementType
        self.rawData = rawData
    }
}

/// A graph input's or output's name, element type and shape; a dimension is a number or
/// a name (`batch`) that the caller chooses per run.
public struct ONNXValueInfo: Sendable, Equatable {
    public enum Dimension: Sendable, Equatable {
        case fixed(Int64)
        case named(String)
    }

    public var name: String
    public var elementType: ONNXElementType
    public var shape: [Dimension]

    public init(name: String, elementType: ONNXElementType, shape: [Dimension]) {
        self.name = name
        self.elementType = elementType
        self.shape = shape
    }
}
