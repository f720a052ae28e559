// swift-tools-version:6.0
import PackageDescription

// Module boundaries follow docs/ARCHITECTURE.md: only the C modules and Wire see C;
// InferenceServer knows nothing of training, LearnerLoop nothing of gRPC.
let uncheckedExclusivityInRelease = SwiftSetting.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))

let package = Package(
    name: "seedrl",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "seedrl", targets: ["seedrl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // C libraries as Swift modules.
        .systemLibrary(name: "CGRPC", path: "Sources/CGRPC"),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas"),
        // OpenMPI by its own pkg-config name: a plain "mpi" could resolve to MPICH.
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c"),
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "libcrypto"),
        .target(
            name: "CSeedProto",
            path: "Sources/CSeedProto",
            cSettings: [.unsafeFlags(["-O2"])],
            linkerSettings: [.linkedLibrary("protobuf-c")]
        ),

        .target(name: "CSystem"),

        // The contract's domain types (spec, dtype, step type), shared by every module.
        .target(name: "Contract"),
        // Small shared pieces: threads, locks with condition variables, the monotonic clock.
        .target(name: "Threading"),
        // Prometheus: histograms, the text exposition format and a tiny /metrics responder.
        .target(name: "Telemetry", dependencies: ["Threading"]),
        // Crash-safe private files and the CRC-32s of checkpoints and event files.
        .target(name: "Files"),
        // Seeded random numbers shared by the model, environments and load generators.
        .target(name: "Randomness"),
        // Environments in Swift, for actors, the evaluator and tests.
        .target(name: "Environments", dependencies: ["Contract", "Randomness"]),

        // The one Swift bridge to OpenSSL: what is wrong with a PEM certificate or key.
        .target(name: "Certificates", dependencies: ["COpenSSL"]),
        // File formats other programs read, encoded with protobuf-c: TensorBoard's event
        // records and ONNX models. Not the transport: nothing here knows gRPC.
        .target(name: "FileFormats", dependencies: ["CSeedProto"]),
        // The one Swift bridge to the gRPC C core (and protobuf-c for the contract's messages).
        .target(
            name: "Wire",
            dependencies: ["CGRPC", "CSeedProto", "Contract", "Threading", "Certificates", .product(name: "Logging", package: "swift-log")]
        ),

        .target(name: "BatchQueue", dependencies: ["Threading"]),
        // A run's log on disk (metrics as JSON lines and TensorBoard event files) and SVG plots.
        .target(name: "RunLog", dependencies: ["Files", "Threading", "FileFormats"]),
        .target(name: "Replay", dependencies: ["Contract", "Threading", "Randomness"]),
        // The one Swift bridge to OpenBLAS.
        .target(name: "LinearAlgebra", dependencies: ["COpenBLAS"]),
        // Always optimised: the model's loops (im2col, pooling, activations) are 10-50 times
        // slower unoptimised, which the learning tests and debug runs would feel.
        // Release builds of the two modules on the per-step path skip Swift's dynamic
        // exclusivity checks (a thread-local access set per class-property access: ~7 % of
        // the server's CPU with ActBatch lanes, in perf); debug builds and tests keep them.
        // The model that inference, evaluation, export and training all run: input scaling →
        // torso → optional LSTM core → heads, forward and backward, its parameters.
        .target(name: "Model", dependencies: ["Contract", "LinearAlgebra", "Threading", "Randomness"],
                swiftSettings: [.unsafeFlags(["-O"]), uncheckedExclusivityInRelease]),
        // Learning on the model: V-trace, losses, optimizers, the training loop, checkpoints.
        .target(name: "LearnerLoop", dependencies: ["Contract", "Model", "Files", "Replay", "LinearAlgebra", "Threading", "Randomness", "Telemetry"],
                swiftSettings: [.unsafeFlags(["-O"]), uncheckedExclusivityInRelease]),
        // The one Swift bridge to MPI: data-parallel learners across processes and hosts.
        .target(name: "Collective", dependencies: ["CMPI"]),
        .target(
            name: "InferenceServer",
            dependencies: ["Contract", "Wire", "BatchQueue", "Replay", "Threading", "Telemetry", .product(name: "Logging", package: "swift-log")],
            swiftSettings: [uncheckedExclusivityInRelease]
        ),
        .target(
            name: "ActorClient",
            dependencies: ["Contract", "Wire", "Threading", "Randomness", "Environments", .product(name: "Logging", package: "swift-log")]
        ),
        // The composition root as a library: a learner process assembled from its
        // configuration, its services started in order and stopped in reverse, the progress
        // monitor, signals, actor processes, MPI jobs and evaluation.
        .target(
            name: "Runtime",
            dependencies: [
                "Contract", "Wire", "InferenceServer", "Replay", "LearnerLoop", "Model", "ActorClient", "Threading", "Randomness",
                "Environments", "RunLog", "LinearAlgebra", "Collective", "Files", "Telemetry", "CSystem", "FileFormats",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The wire contract's rules, checked against any server or actor (`seedrl conformance`).
        .target(
            name: "Conformance",
            dependencies: ["Contract", "Wire", "InferenceServer", "Runtime", "Threading", .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "seedrl",
            dependencies: [
                "Conformance", "Contract", "Wire", "InferenceServer", "BatchQueue", "Replay", "LearnerLoop", "Model", "ActorClient", "Threading", "Randomness",
                "CSystem", "Environments", "RunLog", "LinearAlgebra", "Collective", "Certificates", "Files", "Runtime", "FileFormats",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .testTarget(name: "BatchQueueTests", dependencies: ["BatchQueue", "Threading"]),
        .testTarget(name: "CertificatesTests", dependencies: ["Certificates"]),
        .testTarget(name: "FilesTests", dependencies: ["Files"]),
        .testTarget(name: "ThreadingTests", dependencies: ["Threading"]),
        .testTarget(name: "RandomnessTests", dependencies: ["Randomness"]),
        .testTarget(name: "CollectiveTests", dependencies: ["Collective"]),
        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra"]),
        .testTarget(name: "ContractTests", dependencies: ["Contract"]),
        .testTarget(name: "TelemetryTests", dependencies: ["Telemetry", "Threading"]),
        .testTarget(
            name: "RuntimeTests",
            dependencies: ["Runtime", "Contract", "InferenceServer", "LearnerLoop", "Model", "LinearAlgebra", "Environments", "Files", "Threading", "Wire", "ActorClient", "FileFormats"]
        ),
        .testTarget(name: "LearnerLoopTests", dependencies: ["Contract", "Files", "LearnerLoop", "Model", "LinearAlgebra", "Replay", "Randomness", "Environments"]),
        .testTarget(name: "ModelTests", dependencies: ["Contract", "Model", "LinearAlgebra", "Randomness"]),
        .testTarget(name: "WireTests", dependencies: ["Contract", "Wire", "CGRPC", "Threading"]),
        .testTarget(name: "ActorClientTests", dependencies: ["Contract", "ActorClient", "Randomness", "Environments"]),
        .testTarget(name: "RunLogTests", dependencies: ["Files", "RunLog"]),
        .testTarget(name: "FileFormatsTests", dependencies: ["FileFormats"]),
        .testTarget(name: "ReplayTests", dependencies: ["Contract", "Replay", "Randomness", "Threading"]),
        .testTarget(name: "EnvironmentsTests", dependencies: ["Contract", "Environments"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "InferenceServerTests",
            dependencies: ["Conformance", "Contract", "Files", "InferenceServer", "LearnerLoop", "Model", "LinearAlgebra", "Runtime", "ActorClient", "Wire", "Threading", "Replay", "Environments"]
        ),
    ]
)
