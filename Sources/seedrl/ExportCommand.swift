import ArgumentParser
import Files
import LearnerLoop
import Model
import Runtime
import FileFormats

/// `seedrl export`: a checkpoint's policy as an ONNX model for inference elsewhere.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a checkpoint's policy as an ONNX model (opset 13): observation in; logits, probabilities, action, value out.")

    @Option(help: "Checkpoint file, or a log directory (its newest valid checkpoint).")
    var checkpoint: String

    @Option(help: "Where to write the ONNX model.")
    var onnx: String

    @Option(help: "Also write seedrl's own outputs for seeded observations here (JSON), to check the export against.")
    var reference: String?

    @Option(help: "Observations in the reference.")
    var referenceRows: Int = 32

    func validate() throws {
        if referenceRows < 1 { throw ValidationError("--reference-rows must be at least 1") }
    }

    func run() throws {
        do {
            let loaded = try CheckpointDirectory.load(checkpoint) { Console.error("seedrl export: skipping \($0)") }
            let model = try ONNXExport.model(of: loaded)
            let bytes = ONNXCodec.encode(model)
            try AtomicFile.write(bytes, to: onnx)
            Console.line("seedrl export: \(onnx): \(loaded.envName), torso \(loaded.torso.rawValue), model version \(loaded.version), "
                + "\(model.graph.nodes.count) nodes, \(bytes.count) bytes")
            if let reference {
                let outputs = PolicyReference.compute(checkpoint: loaded, count: referenceRows, seed: 20261205)
                try AtomicFile.write(Array(JSONLine.encode(outputs).utf8), to: reference)
            }
        } catch {
            Console.error("seedrl export: \(error)")
            throw ExitCode(1)
        }
    }
}
