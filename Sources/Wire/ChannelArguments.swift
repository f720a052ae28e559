internal import CGRPC
#if canImport(Glibc)
import Glibc
#endif

/// Channel arguments for `grpc_server_create`/`grpc_channel_create`, owning copies of
/// their C strings until it dies (the core copies what it keeps during create).
final class ChannelArguments {
    private var arguments: [grpc_arg] = []
    private var strings: [UnsafeMutablePointer<CChar>] = []

    deinit { strings.forEach { free($0) } }

    func set(integer key: String, _ value: Int) {
        var argument = grpc_arg()
        seedrl_arg_integer(&argument, copy(key), Int32(clamping: value))
        arguments.append(argument)
    }

    func set(string key: String, _ value: String) {
        var argument = grpc_arg()
        seedrl_arg_string(&argument, copy(key), copy(value))
        arguments.append(argument)
    }

    func withArgs<T>(_ body: (UnsafePointer<grpc_channel_args>) -> T) -> T {
        arguments.withUnsafeMutableBufferPointer { buffer in
            var args = grpc_channel_args(num_args: buffer.count, args: buffer.baseAddress)
            return body(&args)
        }
    }

    private func copy(_ string: String) -> UnsafeMutablePointer<CChar> {
        let pointer = strdup(string)!
        strings.append(pointer)
        return pointer
    }
}
