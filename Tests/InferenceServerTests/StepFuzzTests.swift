import Contract
#if canImport(Glibc)
import Glibc
#endif
import InferenceServer
import Randomness
import Wire
import XCTest

/// Seeded random-input testing of Step decoding and validation: valid encodings mutated
/// (bit flips, truncation, splices, inserted varints and length prefixes) and plain
/// random bytes. Nothing may crash, decode past its arena, or pass validation with a
/// wrong observation size. A million inputs by default (a few seconds);
/// SEEDRL_FUZZ_INPUTS sets another count.
final class StepFuzzTests: XCTestCase {
    func testRandomAndMutatedStepsNeverCrashDecodingOrValidation() {
        let inputs = Int(getenv("SEEDRL_FUZZ_INPUTS").map { String(cString: $0) } ?? "") ?? 1_000_000
        let spec = ObservationSpec(envName: "fuzz", shape: [4], dtype: .float32, numActions: 2)
        let decoder = StepDecoder(maxMessageBytes: spec.maxStepMessageBytes)
        var generator = SeededGenerator(seed: 0xF022)
        let seeds: [[UInt8]] = [
            StepDecoder.encode(stepType: 1, reward: 0, discount: 1, observation: [UInt8](repeating: 1, count: 16)),
            StepDecoder.encode(stepType: 2, reward: 1.5, discount: 0.99, observation: [UInt8](repeating: 7, count: 16)),
            StepDecoder.encode(stepType: 3, reward: -1, discount: 0, observation: [UInt8](repeating: 0xFF, count: 16)),
            StepDecoder.encode(stepType: 9, reward: .nan, discount: 2, observation: [UInt8](repeating: 0, count: 300)),
        ]
        var decoded = 0, accepted = 0
        for index in 0..<inputs {
            var bytes = index % 8 == 0
                ? (0..<Int(generator.next() % 64)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
                : seeds[Int(generator.next() % UInt64(seeds.count))]
            mutate(&bytes, &generator)
            bytes.withUnsafeBytes { raw in
                guard let step = decoder.decode(raw) else { return }
                decoded += 1
                // gRPC refuses messages over the limit before this point; the arena bounds the rest.
                XCTAssertLessThanOrEqual(step.observation.count, spec.maxStepMessageBytes + 1024)
                var validator = StepValidator(spec: spec)
                if case .success = validator.validate(step) {
                    accepted += 1
                    XCTAssertEqual(step.observation.count, spec.byteCount)
                }
            }
        }
        XCTAssertGreaterThan(decoded, inputs / 10, "the mutations still reach the validator")
        XCTAssertGreaterThan(accepted, 0)
        print("step fuzz: \(inputs) inputs, \(decoded) decoded, \(accepted) valid")
    }

    private func mutate(_ bytes: inout [UInt8], _ generator: inout SeededGenerator) {
        for _ in 0...Int(generator.next() % 4) {
            switch generator.next() % 6 {
            case 0 where !bytes.isEmpty:  // flip a bit
                bytes[Int(generator.next() % UInt64(bytes.count))] ^= UInt8(1 << (generator.next() % 8))
            case 1 where !bytes.isEmpty:  // truncate
                bytes.removeLast(Int(generator.next() % UInt64(bytes.count)))
            case 2:  // insert a field tag with a varint, maybe a huge one
                let tag = UInt8(truncatingIfNeeded: (generator.next() % 16) << 3 | generator.next() % 6)
                var varint: [UInt8] = [tag]
                for _ in 0..<Int(generator.next() % 10) { varint.append(UInt8(truncatingIfNeeded: generator.next()) | 0x80) }
                varint.append(UInt8(truncatingIfNeeded: generator.next() % 128))
                bytes.insert(contentsOf: varint, at: bytes.isEmpty ? 0 : Int(generator.next() % UInt64(bytes.count + 1)))
            case 3:  // append a length-delimited observation field of a random claimed length
                bytes += [0x22, UInt8(truncatingIfNeeded: generator.next() % 200)] + (0..<Int(generator.next() % 24)).map { _ in 0x41 }
            case 4 where bytes.count > 2:  // duplicate a slice
                let start = Int(generator.next() % UInt64(bytes.count))
                let end = min(bytes.count, start + Int(generator.next() % 8))
                bytes.insert(contentsOf: bytes[start..<end], at: start)
            default:  // overwrite a byte
                if !bytes.isEmpty { bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next()) }
            }
        }
    }
}
