internal import CSeedProto

/// Memory one stream decodes its messages into (protobuf-c through a bump allocator):
/// allocated once per stream, reset before each message, so decoding never mallocs.
/// Confined to the thread that currently owns its stream.
final class MessageArena {
    let arena: UnsafeMutablePointer<seedrl_arena>
    private let storage: UnsafeMutableRawPointer
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        storage = .allocate(byteCount: capacity, alignment: 16)
        arena = .allocate(capacity: 1)
        seedrl_arena_init(arena, storage.assumingMemoryBound(to: UInt8.self), capacity)
    }

    deinit {
        arena.deallocate()
        storage.deallocate()
    }

    var allocator: UnsafeMutablePointer<ProtobufCAllocator> {
        seedrl_arena_reset(arena)
        return seedrl_arena_allocator(arena)
    }
}
