internal import CSeedProto

/// `ONNXModel` to and from ONNX's protobuf encoding, with protobuf-c. Encoding builds
/// the C message tree in memory this call owns (`CMessageArena`) and frees it on return.
public enum ONNXCodec {
    public static func encode(_ model: ONNXModel) -> [UInt8] {
        let arena = CMessageArena()
        var proto = SeedrlOnnx__ModelProto()
        seedrl_onnx__model_proto__init(&proto)
        proto.has_ir_version = 1
        proto.ir_version = model.irVersion
        proto.producer_name = arena.string(model.producerName)
        proto.producer_version = arena.string(model.producerVersion)
        proto.doc_string = arena.string(model.docString)
        var opset = SeedrlOnnx__OperatorSetIdProto()
        seedrl_onnx__operator_set_id_proto__init(&opset)
        opset.domain = arena.string("")
        opset.has_version = 1
        opset.version = model.opsetVersion
        proto.n_opset_import = 1
        proto.opset_import = arena.array([arena.object(opset)])
        proto.graph = arena.object(graph(model.graph, arena))
        let size = seedrl_onnx__model_proto__get_packed_size(&proto)
        var bytes = [UInt8](repeating: 0, count: size)
        let written = bytes.withUnsafeMutableBufferPointer { seedrl_onnx__model_proto__pack(&proto, $0.baseAddress) }
        precondition(written == size)
        return bytes
    }

    /// The model in `bytes`, or nil when they are not one (or use what the subset lacks,
    /// such as attribute or element types other than ours).
    public static func decode(_ bytes: [UInt8]) -> ONNXModel? {
        guard let proto = bytes.withUnsafeBufferPointer({ seedrl_onnx__model_proto__unpack(nil, $0.count, $0.baseAddress) }) else {
            return nil
        }
        defer { seedrl_onnx__model_proto__free_unpacked(proto, nil) }
        let model = proto.pointee
        guard let graphPointer = model.graph, model.n_opset_import == 1, let opset = model.opset_import[0]?.pointee,
              let graph = decodeGraph(graphPointer.pointee) else { return nil }
        return ONNXModel(irVersion: model.ir_version, opsetVersion: opset.version, producerName: text(model.producer_name),
                         producerVersion: text(model.producer_version), docString: text(model.doc_string), graph: graph)
    }

    // MARK: Encoding

    private static func graph(_ graph: ONNXGraph, _ arena: CMessageArena) -> SeedrlOnnx__GraphProto {
        var proto = SeedrlOnnx__GraphProto()
        seedrl_onnx__graph_proto__init(&proto)
        proto.name = arena.string(graph.name)
        proto.n_node = graph.nodes.count
        proto.node = arena.array(graph.nodes.map { arena.object(node($0, arena)) })
        proto.n_initializer = graph.initializers.count
        proto.initializer = arena.array(graph.initializers.map { arena.object(tensor($0, arena)) })
        proto.n_input = graph.inputs.count
        proto.input = arena.array(graph.inputs.map { arena.object(valueInfo($0, arena)) })
        proto.n_output = graph.outputs.count
        proto.output = arena.array(graph.outputs.map { arena.object(valueInfo($0, arena)) })
        return proto
    }

    private static func node(_ node: ONNXNode, _ arena: CMessageArena) -> SeedrlOnnx__NodeProto {
        var proto = SeedrlOnnx__NodeProto()
        seedrl_onnx__node_proto__init(&proto)
        proto.op_type = arena.string(node.opType)
        proto.name = arena.string(node.name)
        proto.n_input = node.inputs.count
        proto.input = arena.array(node.inputs.map { arena.string($0) })
        proto.n_output = node.outputs.count
        proto.output = arena.array(node.outputs.map { arena.string($0) })
        proto.n_attribute = node.attributes.count
        proto.attribute = arena.array(node.attributes.map { arena.object(attribute($0, arena)) })
        return proto
    }

    /// AttributeProto.AttributeType: FLOAT 1, INT 2, INTS 7.
    private static func attribute(_ attribute: ONNXAttribute, _ arena: CMessageArena) -> SeedrlOnnx__AttributeProto {
        var proto = SeedrlOnnx__AttributeProto()
        seedrl_onnx__attribute_proto__init(&proto)
        proto.name = arena.string(attribute.name)
        proto.has_type = 1
        switch attribute.value {
        case .float(let value):
            proto.type = 1
            proto.has_f = 1
            proto.f = value
        case .int(let value):
            proto.type = 2
            proto.has_i = 1
            proto.i = value
        case .ints(let values):
            proto.type = 7
            proto.n_ints = values.count
            proto.ints = arena.array(values)
        }
        return proto
    }

    private static func tensor(_ tensor: ONNXTensor, _ arena: CMessageArena) -> SeedrlOnnx__TensorProto {
        var proto = SeedrlOnnx__TensorProto()
        seedrl_onnx__tensor_proto__init(&proto)
        proto.name = arena.string(tensor.name)
        proto.n_dims = tensor.dims.count
        proto.dims = arena.array(tensor.dims)
        proto.has_data_type = 1
        proto.data_type = tensor.elementType.rawValue
        proto.has_raw_data = 1
        proto.raw_data = ProtobufCBinaryData(len: tensor.rawData.count, data: arena.array(tensor.rawData))
        return proto
    }

    private static func valueInfo(_ info: ONNXValueInfo, _ arena: CMessageArena) -> SeedrlOnnx__ValueInfoProto {
        let dims = info.shape.map { dimension in
            var proto = SeedrlOnnx__TensorShapeProto__Dimension()
            seedrl_onnx__tensor_shape_proto__dimension__init(&proto)
            switch dimension {
            case .fixed(let value):
                proto.has_dim_value = 1
                proto.dim_value = value
            case .named(let name):
                proto.dim_param = arena.string(name)
            }
            return arena.object(proto)
        }
        var shape = SeedrlOnnx__TensorShapeProto()
        seedrl_onnx__tensor_shape_proto__init(&shape)
        shape.n_dim = dims.count
        shape.dim = arena.array(dims)
        var tensorType = SeedrlOnnx__TypeProto__Tensor()
        seedrl_onnx__type_proto__tensor__init(&tensorType)
        tensorType.has_elem_type = 1
        tensorType.elem_type = info.elementType.rawValue
        tensorType.shape = arena.object(shape)
        var type = SeedrlOnnx__TypeProto()
        seedrl_onnx__type_proto__init(&type)
        type.tensor_type = arena.object(tensorType)
        var proto = SeedrlOnnx__ValueInfoProto()
        seedrl_onnx__value_info_proto__init(&proto)
        proto.name = arena.string(info.name)
        proto.type = arena.object(type)
        return proto
    }

    // MARK: Decoding

    private static func text(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }

    private static func strings(_ pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ count: Int) -> [String] {
        (0..<count).map { text(pointer![$0]) }
    }

    private static func decodeGraph(_ proto: SeedrlOnnx__GraphProto) -> ONNXGraph? {
        var graph = ONNXGraph(name: text(proto.name))
        for index in 0..<proto.n_node {
            guard let node = decodeNode(proto.node[index]!.pointee) else { return nil }
            graph.nodes.append(node)
        }
        for index in 0..<proto.n_initializer {
            let tensor = proto.initializer[index]!.pointee
            guard let type = ONNXElementType(rawValue: tensor.data_type) else { return nil }
            let data = tensor.has_raw_data != 0 && tensor.raw_data.len > 0
                ? Array(UnsafeBufferPointer(start: tensor.raw_data.data, count: tensor.raw_data.len)) : []
            graph.initializers.append(ONNXTensor(name: text(tensor.name), dims: Array(UnsafeBufferPointer(start: tensor.dims, count: tensor.n_dims)),
                                                 elementType: type, rawData: data))
        }
        for index in 0..<proto.n_input {
            guard let info = decodeValueInfo(proto.input[index]!.pointee) else { return nil }
            graph.inputs.append(info)
        }
        for index in 0..<proto.n_output {
            guard let info = decodeValueInfo(proto.output[index]!.pointee) else { return nil }
            graph.outputs.append(info)
        }
        return graph
    }

    private static func decodeNode(_ proto: SeedrlOnnx__NodeProto) -> ONNXNode? {
        var attributes: [ONNXAttribute] = []
        for index in 0..<proto.n_attribute {
            let attribute = proto.attribute[index]!.pointee
            let value: ONNXAttribute.Value
            switch attribute.type {
            case 1: value = .float(attribute.f)
            case 2: value = .int(attribute.i)
            case 7: value = .ints(Array(UnsafeBufferPointer(start: attribute.ints, count: attribute.n_ints)))
            default: return nil
            }
            attributes.append(ONNXAttribute(text(attribute.name), value))
        }
        return ONNXNode(opType: text(proto.op_type), name: text(proto.name), inputs: strings(proto.input, proto.n_input),
                        outputs: strings(proto.output, proto.n_output), attributes: attributes)
    }

    private static func decodeValueInfo(_ proto: SeedrlOnnx__ValueInfoProto) -> ONNXValueInfo? {
        guard let tensorType = proto.type?.pointee.tensor_type?.pointee,
              let type = ONNXElementType(rawValue: tensorType.elem_type) else { return nil }
        var shape: [ONNXValueInfo.Dimension] = []
        if let dims = tensorType.shape?.pointee {
            for index in 0..<dims.n_dim {
                let dim = dims.dim[index]!.pointee
                shape.append(dim.has_dim_value != 0 ? .fixed(dim.dim_value) : .named(text(dim.dim_param)))
            }
        }
        return ONNXValueInfo(name: text(proto.name), elementType: type, shape: shape)
    }
}

/// Memory for one C message tree: every string, array and message the encoder hands to
/// protobuf-c, released together when the encode returns.
private final class CMessageArena {
    private var blocks: [UnsafeMutableRawPointer] = []

    deinit { blocks.forEach { $0.deallocate() } }

    func string(_ text: String) -> UnsafeMutablePointer<CChar> {
        let utf8 = Array(text.utf8CString)
        return array(utf8)!
    }

    func object<T>(_ value: T) -> UnsafeMutablePointer<T> {
        let pointer = UnsafeMutablePointer<T>.allocate(capacity: 1)
        pointer.initialize(to: value)
        blocks.append(UnsafeMutableRawPointer(pointer))
        return pointer
    }

    /// A C copy of `values` (nil when empty: protobuf-c reads no pointer for 0 elements).
    func array<T>(_ values: [T]) -> UnsafeMutablePointer<T>? {
        guard !values.isEmpty else { return nil }
        let pointer = UnsafeMutablePointer<T>.allocate(capacity: values.count)
        _ = UnsafeMutableBufferPointer(start: pointer, count: values.count).initialize(from: values)
        blocks.append(UnsafeMutableRawPointer(pointer))
        return pointer
    }
}
