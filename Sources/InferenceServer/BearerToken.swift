import Wire

/// The `--token` check: every RPC must carry `authorization: Bearer <token>`.
public struct BearerToken: Sendable {
    private let expected: [UInt8]

    public init(_ token: String) {
        expected = Array("Bearer \(token)".utf8)
    }

    /// OK, or UNAUTHENTICATED with what is wrong. The comparison takes the same time
    /// wherever the first difference is (no early exit), so it leaks no prefix.
    public func check(_ authorization: String?) -> RPCError? {
        guard let authorization else {
            return RPCError(.unauthenticated, "missing authorization metadata; send 'authorization: Bearer <token>'")
        }
        let given = Array(authorization.utf8)
        var difference = UInt8(given.count == expected.count ? 0 : 1)
        for index in 0..<expected.count {
            difference |= expected[index] ^ (index < given.count ? given[index] : 0)
        }
        return difference == 0 ? nil : RPCError(.unauthenticated, "invalid bearer token")
    }
}
