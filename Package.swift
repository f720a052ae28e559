// swift-tools-version:6.0
import PackageDescription

// Module boundaries follow docs/ARCHITECTURE.md: only the C modules and Wire see C;
// InferenceServer knows nothing of training, LearnerLoop nothing of gRPC.
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
        .target(
            name: "CSeedProto",
            path: "Sources/CSeedProto",
            cSettings: [.unsafeFlags(["-O2"])],
            linkerSettings: [.linkedLibrary("protobuf-c")]
        ),

        .target(name: "CSystem"),

        // Small shared pieces: threads, locks with condition variables, the monotonic clock.
        .target(name: "Threading"),
        // Seeded random numbers shared by the model, environments and load generators.
        .target(name: "Randomness"),

        // The one Swift bridge to the gRPC C core and protobuf-c.
        .target(
            name: "Wire",
            dependencies: ["CGRPC", "CSeedProto", "Threading", .product(name: "Logging", package: "swift-log")]
        ),

        .target(name: "BatchQueue", dependencies: ["Threading"]),
        .target(name: "Replay"),
        .target(name: "LearnerLoop", dependencies: ["Replay", "COpenBLAS", "Threading", "Randomness"]),
        .target(
            name: "InferenceServer",
            dependencies: ["Wire", "BatchQueue", "Replay", "Threading", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "ActorClient",
            dependencies: ["Wire", "Threading", "Randomness", .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "seedrl",
            dependencies: [
                "Wire", "InferenceServer", "BatchQueue", "Replay", "LearnerLoop", "ActorClient", "Threading", "Randomness",
                "CSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .testTarget(name: "BatchQueueTests", dependencies: ["BatchQueue", "Threading"]),
        .testTarget(name: "LearnerLoopTests", dependencies: ["LearnerLoop", "Randomness"]),
        .testTarget(name: "WireTests", dependencies: ["Wire", "CGRPC"]),
        .testTarget(name: "ActorClientTests", dependencies: ["ActorClient", "Randomness"]),
        .testTarget(
            name: "InferenceServerTests",
            dependencies: ["InferenceServer", "LearnerLoop", "ActorClient", "Wire", "Threading"]
        ),
    ]
)
