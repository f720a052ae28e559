#if canImport(Glibc)
import Glibc
#endif
import Files
import XCTest

final class FilesTests: XCTestCase {
    /// The standard check values of both polynomials ("123456789").
    func testBothCRCsMatchTheirCheckValues() {
        let digits = Array("123456789".utf8)
        XCTAssertEqual(CRC32.ieee.checksum(digits), 0xCBF4_3926)
        XCTAssertEqual(CRC32.castagnoli.checksum(digits), 0xE306_9283)
        XCTAssertEqual(CRC32.ieee.checksum([UInt8]()), 0)
        XCTAssertEqual(CRC32.ieee.checksum(digits[...]), CRC32.ieee.checksum(digits), "slices and arrays agree")
    }

    func testAnAtomicWriteIsPrivateAndReadsBack() throws {
        let directory = "/tmp/seedrl-files-\(getpid())/a/b"
        defer { _ = system("rm -rf /tmp/seedrl-files-\(getpid())") }
        try AtomicFile.makeDirectories(directory)
        let path = "\(directory)/file.bin"
        try AtomicFile.write([1, 2, 3], to: path)
        XCTAssertEqual(try AtomicFile.read(path), [1, 2, 3])
        var info = stat()
        XCTAssertEqual(stat(path, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)
        XCTAssertEqual(stat(directory, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o700)
        try AtomicFile.write([4], to: path)
        XCTAssertEqual(try AtomicFile.read(path), [4], "replaced whole")
    }
}
