import Runtime
import XCTest

extension ChildProcess {
    /// `.build/<config>/seedrl`, next to the test executable.
    static var seedrlPath: String? {
        guard var path = currentExecutable else { return nil }
        while let last = path.last, last != "/" { path.removeLast() }
        let candidate = path + "seedrl"
        return access(candidate, X_OK) == 0 ? candidate : nil
    }

    /// The `seedrl` binary built beside the tests, as a real separate peer (killed with
    /// SIGKILL, or stopped with SIGTERM); its standard output to `stdout` if given.
    convenience init(_ arguments: [String], stdout: Int32? = nil) throws {
        guard let path = Self.seedrlPath else { throw XCTSkip("the seedrl binary is not built beside the tests") }
        try self.init(executable: path, arguments: arguments, output: stdout.map { .descriptor($0) } ?? .discarded)
    }
}
