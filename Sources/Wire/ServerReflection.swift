internal import CGRPC
internal import CSeedProto
#if canImport(Glibc)
import Glibc
#endif
import Threading

/// gRPC server reflection (`grpc.reflection.v1` and `v1alpha`, whose messages are the
/// same), so grpcurl and other generic clients can list the services and read the
/// contract's descriptors. Where the server has a token, reflection needs it as every
/// Learner method does (a peer without one is refused before anything is read).
final class ServerReflection: @unchecked Sendable {
    static let methods = ["/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
                          "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"]
    private let index: DescriptorIndex
    private let authorize: (CallContext) -> RPCError?
    /// Open streams, ended at shutdown rather than left to the grace period.
    private let open = Locked((calls: [ObjectIdentifier: MessageCall](), closed: false))

    init(index: DescriptorIndex = .builtIn, authorize: @escaping (CallContext) -> RPCError?) {
        self.index = index
        self.authorize = authorize
    }

    /// Handlers of one ServerReflectionInfo stream: one request read, answered, then the next.
    func handlers(rearm: @escaping () -> Void) -> MessageCall.Handlers {
        MessageCall.Handlers(
            matched: { [weak self] call in
                rearm()
                guard call.isMatched, let self else { return }
                if let error = self.authorize(call.context) { return call.finish(error.code, error.message) }
                let admitted = self.open.withLock { open -> Bool in
                    guard !open.closed else { return false }
                    open.calls[ObjectIdentifier(call)] = call
                    return true
                }
                guard admitted else { return call.finish(.unavailable, "server shutting down") }
                call.receive()
            },
            received: { [weak self] call, bytes in
                guard let self, let bytes else { return call.finish(.ok, "") }
                guard let response = self.respond(to: bytes) else {
                    return call.finish(.invalidArgument, "message could not be decoded as grpc.reflection.v1.ServerReflectionRequest")
                }
                call.send(response)
            },
            drained: { call in call.receive() },
            closed: { [weak self] call in _ = self?.open.withLock { $0.calls.removeValue(forKey: ObjectIdentifier(call)) } })
    }

    /// Ends every open stream with `code` and admits no more.
    func finishAll(_ code: StatusCode, _ message: String) {
        let calls = open.withLock { open -> [MessageCall] in
            open.closed = true
            return Array(open.calls.values)
        }
        for call in calls { call.finish(code, message) }
    }

    /// The ServerReflectionResponse to one encoded request (nil: it does not decode).
    func respond(to bytes: UnsafeRawBufferPointer) -> UnsafeMutablePointer<grpc_byte_buffer>? {
        guard let request = grpc__reflection__v1__server_reflection_request__unpack(
            nil, bytes.count, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)) else { return nil }
        defer { grpc__reflection__v1__server_reflection_request__free_unpacked(request, nil) }
        var response = Grpc__Reflection__V1__ServerReflectionResponse()
        grpc__reflection__v1__server_reflection_response__init(&response)
        response.valid_host = request.pointee.host
        response.original_request = request
        let text = { (pointer: UnsafeMutablePointer<CChar>?) in pointer.map { String(cString: $0) } ?? "" }
        switch request.pointee.message_request_case {
        case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_LIST_SERVICES:
            return listServices(&response)
        case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_BY_FILENAME:
            let name = text(request.pointee.file_by_filename)
            guard let file = index.file(named: name) else { return error(&response, .notFound, "no file \(name)") }
            return fileDescriptor(&response, file)
        case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_SYMBOL:
            let symbol = text(request.pointee.file_containing_symbol)
            guard let file = index.file(containing: symbol) else { return error(&response, .notFound, "no symbol \(symbol)") }
            return fileDescriptor(&response, file)
        case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_ALL_EXTENSION_NUMBERS_OF_TYPE:
            // The contract is proto3: its messages have no extensions.
            let type = text(request.pointee.all_extension_numbers_of_type)
            guard index.file(containing: type) != nil else { return error(&response, .notFound, "no type \(type)") }
            var numbers = Grpc__Reflection__V1__ExtensionNumberResponse()
            grpc__reflection__v1__extension_number_response__init(&numbers)
            return type.withCString { name in
                numbers.base_type_name = UnsafeMutablePointer(mutating: name)
                return withUnsafeMutablePointer(to: &numbers) { numbers in
                    response.message_response_case = GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ALL_EXTENSION_NUMBERS_RESPONSE
                    response.all_extension_numbers_response = numbers
                    return Self.encode(&response)
                }
            }
        case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_EXTENSION:
            return error(&response, .notFound, "the contract defines no extensions")
        default:
            return error(&response, .invalidArgument, "the request names none of the reflection requests")
        }
    }

    private func listServices(_ response: inout Grpc__Reflection__V1__ServerReflectionResponse) -> UnsafeMutablePointer<grpc_byte_buffer> {
        let names = index.services.map { strdup($0) }
        defer { names.forEach { free($0) } }
        var entries = names.map { name -> Grpc__Reflection__V1__ServiceResponse in
            var entry = Grpc__Reflection__V1__ServiceResponse()
            grpc__reflection__v1__service_response__init(&entry)
            entry.name = name
            return entry
        }
        return entries.withUnsafeMutableBufferPointer { entries in
            var pointers = (0..<entries.count).map { Optional(entries.baseAddress! + $0) }
            return pointers.withUnsafeMutableBufferPointer { pointers in
                var list = Grpc__Reflection__V1__ListServiceResponse()
                grpc__reflection__v1__list_service_response__init(&list)
                list.n_service = pointers.count
                list.service = pointers.baseAddress
                return withUnsafeMutablePointer(to: &list) { list in
                    response.message_response_case = GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_LIST_SERVICES_RESPONSE
                    response.list_services_response = list
                    return Self.encode(&response)
                }
            }
        }
    }

    private func fileDescriptor(_ response: inout Grpc__Reflection__V1__ServerReflectionResponse,
                                _ file: DescriptorIndex.File) -> UnsafeMutablePointer<grpc_byte_buffer> {
        // The contract's files import nothing, so each answer is the one file.
        var bytes = file.bytes
        return bytes.withUnsafeMutableBufferPointer { bytes in
            var blob = ProtobufCBinaryData(len: bytes.count, data: bytes.baseAddress)
            return withUnsafeMutablePointer(to: &blob) { blob in
                var files = Grpc__Reflection__V1__FileDescriptorResponse()
                grpc__reflection__v1__file_descriptor_response__init(&files)
                files.n_file_descriptor_proto = 1
                files.file_descriptor_proto = blob
                return withUnsafeMutablePointer(to: &files) { files in
                    response.message_response_case = GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_FILE_DESCRIPTOR_RESPONSE
                    response.file_descriptor_response = files
                    return Self.encode(&response)
                }
            }
        }
    }

    private func error(_ response: inout Grpc__Reflection__V1__ServerReflectionResponse,
                       _ code: StatusCode, _ message: String) -> UnsafeMutablePointer<grpc_byte_buffer> {
        var error = Grpc__Reflection__V1__ErrorResponse()
        grpc__reflection__v1__error_response__init(&error)
        error.error_code = Int32(code.rawValue)
        return message.withCString { text in
            error.error_message = UnsafeMutablePointer(mutating: text)
            return withUnsafeMutablePointer(to: &error) { error in
                response.message_response_case = GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ERROR_RESPONSE
                response.error_response = error
                return Self.encode(&response)
            }
        }
    }

    private static func encode(_ response: inout Grpc__Reflection__V1__ServerReflectionResponse) -> UnsafeMutablePointer<grpc_byte_buffer> {
        Codec.pack(size: grpc__reflection__v1__server_reflection_response__get_packed_size(&response)) {
            grpc__reflection__v1__server_reflection_response__pack(&response, $0)
        }
    }
}
