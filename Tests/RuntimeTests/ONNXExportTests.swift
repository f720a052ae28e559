import Contract
import LearnerLoop
import Model
import Runtime
import FileFormats
import XCTest

/// The ONNX graph's structure and encoding. Its numbers are checked against seedrl's own
/// forward pass by a real ONNX runtime in scripts/test-onnx.sh.
final class ONNXExportTests: XCTestCase {
    private func checkpoint(_ shape: [Int], _ dtype: DType, torso: TorsoKind, hidden: [Int] = [], lstm: Int? = nil) -> Checkpoint {
        let architecture = ModelArchitecture(observation: ObservationFormat(shape: shape, dtype: dtype), torso: torso,
                                             hiddenSizes: hidden, numActions: 3, lstmSize: lstm)
        let parameters = ParameterInitializer.initialValues(for: architecture, seed: 5)
        return Checkpoint(envName: "test", architecture: architecture, version: 9, framesTrained: 90, parameters: parameters,
                          optimizer: Optimizer(settings: OptimizerSettings(), parameterCount: parameters.count))
    }

    private var everyTorso: [Checkpoint] {
        [checkpoint([4], .float32, torso: .mlp, hidden: [16, 8]),
         checkpoint([4], .float32, torso: .separateMLP, hidden: [16, 8]),
         checkpoint([32, 32, 2], .uint8, torso: .mlp, hidden: [8]),
         checkpoint([10, 10, 4], .uint8, torso: .minatar),
         checkpoint([36, 36, 4], .uint8, torso: .nature),
         checkpoint([12, 12, 3], .float32, torso: .impala)]
    }

    /// Every value is defined before it is read, every weight is exported exactly once,
    /// and the bytes decode to the same model.
    func testEveryTorsoExportsAClosedGraphThatRoundTrips() throws {
        for checkpoint in everyTorso {
            let model = try ONNXExport.model(of: checkpoint)
            let torso = checkpoint.torso.rawValue
            XCTAssertNil(model.graph.firstUndefinedValue, torso)
            XCTAssertEqual(model.graph.outputs.map(\.name), ["logits", "probabilities", "action", "value"], torso)
            let weights = model.graph.initializers.filter { $0.elementType == .float && !$0.dims.isEmpty }
            XCTAssertEqual(weights.map { $0.rawData.count / 4 }.reduce(0, +), checkpoint.parameters.count, torso)
            XCTAssertEqual(Set(model.graph.nodes.flatMap(\.outputs)).count, model.graph.nodes.count, "\(torso): outputs are unique")
            XCTAssertEqual(ONNXCodec.decode(ONNXCodec.encode(model)), model, torso)
        }
    }

    /// im2col's [kh, kw, cin, cout] becomes ONNX's [cout, cin, kh, kw].
    func testConvWeightsAreReorderedForONNX() throws {
        let checkpoint = checkpoint([10, 10, 4], .uint8, torso: .minatar)
        let model = try ONNXExport.model(of: checkpoint)
        let weight = try XCTUnwrap(model.graph.initializers.first { $0.dims == [16, 4, 3, 3] })
        let floats = weight.rawData.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let (ky, kx, c, o) = (2, 1, 3, 11)
        XCTAssertEqual(floats[((o * 4 + c) * 3 + ky) * 3 + kx], checkpoint.parameters[((ky * 3 + kx) * 4 + c) * 16 + o])
    }

    func testAnLSTMCoreIsRefusedWithAReason() {
        XCTAssertThrowsError(try ONNXExport.model(of: checkpoint([4], .float32, torso: .mlp, hidden: [8], lstm: 4))) {
            XCTAssertTrue("\($0)".contains("LSTM core"), "\($0)")
        }
    }

    func testBytesThatAreNotAModelDoNotDecode() {
        XCTAssertNil(ONNXCodec.decode([0xFF, 0xFF, 0xFF, 0xFF]))
    }
}
