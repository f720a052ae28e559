internal import CGRPC

/// Heap memory a server call's C out-parameters are written to. The gRPC core writes
/// them when a batch *completes*, not when it starts, so they must outlive any Swift
/// temporary: one allocation per call, freed when the call object dies.
struct ServerCallSlots {
    var call: OpaquePointer? = nil
    var deadline = gpr_timespec()
    var metadata = grpc_metadata_array()
    var received: UnsafeMutablePointer<grpc_byte_buffer>? = nil
    var cancelled: Int32 = 0
    var statusDetails = grpc_empty_slice()
    var details = grpc_call_details()

    /// Allocates and initialises the slots (metadata array and call details included).
    static func allocate() -> UnsafeMutablePointer<ServerCallSlots> {
        let slots = UnsafeMutablePointer<ServerCallSlots>.allocate(capacity: 1)
        slots.initialize(to: ServerCallSlots())
        grpc_metadata_array_init(slots.pointer(to: \.metadata)!)
        grpc_call_details_init(slots.pointer(to: \.details)!)
        return slots
    }

    /// Releases everything the slots still own, then the slots themselves.
    static func free(_ slots: UnsafeMutablePointer<ServerCallSlots>) {
        if let buffer = slots.pointee.received { grpc_byte_buffer_destroy(buffer) }
        grpc_slice_unref(slots.pointee.statusDetails)
        grpc_metadata_array_destroy(slots.pointer(to: \.metadata)!)
        grpc_call_details_destroy(slots.pointer(to: \.details)!)
        if let call = slots.pointee.call { grpc_call_unref(call) }
        slots.deinitialize(count: 1)
        slots.deallocate()
    }
}

/// What a server call learned from its request headers.
public struct CallContext: Sendable {
    /// The `authorization` metadata value, if sent.
    public let authorization: String?
    /// The peer address as the gRPC core names it, e.g. "ipv4:127.0.0.1:53122".
    public let peer: String

    public init(authorization: String?, peer: String) {
        self.authorization = authorization
        self.peer = peer
    }

    static func read(call: OpaquePointer, metadata: UnsafeMutablePointer<grpc_metadata_array>) -> CallContext {
        var authorization: String? = nil
        for index in 0..<metadata.pointee.count {
            let entry = seedrl_metadata_at(metadata, index)!
            if String(slice: seedrl_metadata_key(entry)) == "authorization" {
                authorization = String(slice: seedrl_metadata_value(entry))
            }
        }
        var peer = ""
        if let raw = grpc_call_get_peer(call) {
            peer = String(cString: raw)
            gpr_free(raw)
        }
        return CallContext(authorization: authorization, peer: peer)
    }
}
