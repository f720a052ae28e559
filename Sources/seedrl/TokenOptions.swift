import Files
#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import LearnerLoop
import Model

/// The bearer token, written once for every command: from `--token-file` or
/// `$SEEDRL_TOKEN` (neither shows in the process list), or `--token` (which does).
struct TokenOptions: ParsableArguments {
    @Option(help: "Bearer token: the server requires 'authorization: Bearer <token>' on every RPC, clients send it. Visible in the process list: prefer --token-file or $SEEDRL_TOKEN.")
    var token: String?

    @Option(help: "Read the bearer token from this file (its first line; surrounding whitespace dropped).")
    var tokenFile: String?

    func validate() throws {
        if token != nil && tokenFile != nil { throw ValidationError("give --token or --token-file, not both") }
    }

    /// The token to use, or nil for none. An empty token is refused: it would match a
    /// client that sends 'Bearer ' and would hide the warning about an open server.
    func resolve() throws -> String? {
        let value: String?
        let source: String
        if let tokenFile {
            let bytes: [UInt8]
            do { bytes = try AtomicFile.read(tokenFile) } catch { throw ValidationError("--token-file: \(error)") }
            let firstLine = bytes.prefix { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") }
            value = String(decoding: firstLine, as: UTF8.self).trimmingWhitespace()
            source = "--token-file \(tokenFile)"
        } else if let token {
            value = token
            source = "--token"
        } else {
            value = environment("SEEDRL_TOKEN")
            source = "$SEEDRL_TOKEN"
        }
        if let value, value.isEmpty { throw ValidationError("\(source) is empty: give a non-empty token, or none at all") }
        return value
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}

/// The command line with every secret replaced by "<redacted>": what checkpoints and
/// logs may store.
func redactedCommandLine(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> String {
    var result: [String] = []
    var redactNext = false
    for argument in arguments {
        if redactNext {
            result.append("<redacted>")
            redactNext = false
        } else if argument == "--token" {
            result.append(argument)
            redactNext = true
        } else if argument.hasPrefix("--token=") {
            result.append("--token=<redacted>")
        } else {
            result.append(argument)
        }
    }
    return result.joined(separator: " ")
}

/// A variable of this process's environment, if set.
func environment(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
}
