import FileFormats
import XCTest

final class TensorBoardCodecTests: XCTestCase {
    /// TensorBoard drops a Summary.Value whose oneof case is unset: a zero must still be
    /// on the wire as field 2 (fixed32), or every scalar that stays 0 (queue depth, refusals)
    /// vanishes from TensorBoard.
    func testZeroScalarsAreEncoded() {
        let event = TensorBoardCodec.scalarsEvent(wallTime: 1, step: 7, scalars: [("queue/unrolls", 0)])
        let tag = Array("queue/unrolls".utf8)
        let value: [UInt8] = [0x0A, UInt8(tag.count)] + tag + [0x15, 0, 0, 0, 0]
        XCTAssertNotNil(event.firstRange(of: value), "the zero simple_value is encoded: \(event)")
    }
}
