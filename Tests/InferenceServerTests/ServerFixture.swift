import Contract
import InferenceServer
import LearnerLoop
import Model
import Wire
import XCTest
import LinearAlgebra
import Runtime


/// A real LearnerServer on 127.0.0.1:0 with a real MLP policy, and helpers to talk to
/// it; `withServer` always shuts it down.
struct ServerFixture {
    static let cartPole = ObservationSpec(envName: "CartPole", shape: [4], dtype: .float32, numActions: 2)

    let server: LearnerServer
    let target: String
    let poller: StreamPoller
    let channel: WireChannel

    static func withServer(
        spec: ObservationSpec = cartPole,
        configure: (inout LearnerServerConfiguration) -> Void = { _ in },
        token: String? = nil,
        lstmSize: Int? = nil,
        _ body: (ServerFixture) throws -> Void
    ) throws {
        BLAS.useSingleThread()
        var configuration = LearnerServerConfiguration(spec: spec, listenAddresses: ["127.0.0.1:0"])
        configuration.maxDelayMicroseconds = 500
        configure(&configuration)
        let policy = makePolicy(spec: spec, lstmSize: lstmSize, maxBatch: configuration.maxRowsPerBatch)
        let server = try LearnerServer(configuration: configuration, policy: policy)
        server.start()
        let target = "127.0.0.1:\(server.boundPorts[0])"
        let poller = StreamPoller(name: "test-client")
        let fixture = ServerFixture(server: server, target: target, poller: poller,
                                    channel: WireChannel(target: target, token: token))
        defer {
            server.shutdown()
            poller.shutdown()
        }
        try body(fixture)
    }

    /// The policy every fixture serves: `architecture`'s model with parameters from seed 7.
    static func makePolicy(spec: ObservationSpec = cartPole, lstmSize: Int? = nil, maxBatch: Int) -> ModelPolicy {
        let architecture = Self.architecture(spec: spec, lstmSize: lstmSize)
        let store = ParameterStore(
            initial: ParameterSnapshot(values: ParameterInitializer.initialValues(for: architecture, seed: 7), version: 0),
            layout: architecture.layout)
        return ModelPolicy(architecture: architecture, store: store, maxBatch: maxBatch, seed: 7)
    }

    /// The model every fixture serves (parameters from seed 7).
    static func architecture(spec: ObservationSpec = cartPole, lstmSize: Int? = nil) -> ModelArchitecture {
        ModelArchitecture(
            observation: spec.format,
            hiddenSizes: [16], action: spec.action, lstmSize: lstmSize)
    }

    func client(token: String? = nil) throws -> TestActClient {
        let channel = token == nil ? self.channel : WireChannel(target: target, token: token)
        return try TestActClient(channel: channel, poller: poller)
    }
}
