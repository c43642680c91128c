// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// The web dashboard (Sources/Adapters/Web), each file compiled into the binary (`WebAssets` lists them too).
let webDashboardFiles = [
    "index.html", "style.css", "icon.svg", "app.js", "api.js", "feed.js", "dom.js", "format.js", "meta-errors.js",
    "health.js", "alerts.js", "overview.js", "chart.js", "events.js", "deliveries.js", "conversations.js",
]

let package = Package(
    name: "clickunlock",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "clickunlock", targets: ["App"]),
        .library(name: "EventStore", targets: ["EventStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.1.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.0"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.21.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.65.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.34.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/pointfreeco/swift-clocks.git", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0", traits: ["JSON", "YAML"]),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
    ],
    targets: [
        // liblz4 from the system (Debian: liblz4-dev).
        .systemLibrary(
            name: "CLZ4",
            path: "Sources/CLZ4",
            pkgConfig: "liblz4",
            providers: [.apt(["liblz4-dev"]), .brew(["lz4"])]
        ),
        // libzstd from the system (Debian: libzstd-dev): compaction's batches at rest.
        .systemLibrary(
            name: "CZstd",
            path: "Sources/CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]
        ),
        // The append-only log: segments, batches, LZ4 (zstd at rest), checksums, group commit, recovery,
        // readers. Knows nothing about WhatsApp or HTTP.
        .target(name: "EventStore", dependencies: ["CLZ4", "CZstd"], swiftSettings: strict),
        // Test support shared by the test targets, the benchmarks and the demo: a manual clock, generators.
        .target(
            name: "ClickUnlockTesting",
            dependencies: [
                "Domain", "EventStore", .product(name: "Clocks", package: "swift-clocks"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The domain event catalogue (type names, versions, payloads) on top of the log.
        .target(name: "Domain", dependencies: ["EventStore"], swiftSettings: strict),
        // The anti-corruption layer at the ingress: Meta's webhook envelope read into the catalogue's
        // facts, and their duplicate keys. No HTTP, so projections' tests and benchmarks use it too.
        .target(name: "MetaWebhook", dependencies: ["Domain", "EventStore"], swiftSettings: strict),
        // The click-to-unlock saga: content packs, the delivery process manager, the template sender.
        // Talks to the Graph API only through the `MessageSender` protocol.
        .target(
            name: "Delivery",
            dependencies: [
                "Domain", "EventStore", .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // Read models derived from the log.
        .target(
            name: "Projections",
            dependencies: [
                "Domain", "EventStore", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The edges: HTTP (the webhook port, the dashboard API over the projections), WebSocket, Graph API.
        .target(
            name: "Adapters",
            dependencies: [
                "Domain", "EventStore", "Delivery", "MetaWebhook", "Projections",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                // The live feed: WebSocket sessions through hummingbird-websocket's core (WSCore),
                // upgraded by NIO on the dashboard port and the feed port (see FeedUpgradeChannel).
                .product(name: "WSCore", package: "swift-websocket"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // The service's own telemetry: Prometheus metrics through swift-metrics handles.
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            // The dashboard API's OpenAPI document (served at GET /openapi.json) and the web dashboard's
            // files (served at / and /assets/NAME), compiled in: a binary copied anywhere serves them.
            resources: [.embedInCode("Dashboard/openapi.json")] + webDashboardFiles.map { .embedInCode("Web/" + $0) },
            swiftSettings: strict
        ),
        // The `clickunlock` executable.
        .executableTarget(
            name: "App",
            dependencies: [
                "Adapters", "Projections", "Domain", "EventStore", "Delivery",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // Benchmarks: plain executables, run in release mode (see BENCHMARKS.md).
        .target(name: "BenchSupport", path: "Benchmarks/BenchSupport", swiftSettings: strict),
        .executableTarget(
            name: "LogBench",
            dependencies: [
                "EventStore", "Domain", "BenchSupport", "ClickUnlockTesting",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            path: "Benchmarks/LogBench",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "StartupBench",
            dependencies: ["Adapters", "Delivery", "Domain", "EventStore", "BenchSupport", "ClickUnlockTesting"],
            path: "Benchmarks/StartupBench",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "ProjectionBench",
            dependencies: [
                "EventStore", "Domain", "Projections", "BenchSupport", "ClickUnlockTesting",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            path: "Benchmarks/ProjectionBench",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "IngressCorpus",
            dependencies: ["Adapters", "Domain", "ClickUnlockTesting"],
            path: "Benchmarks/IngressCorpus",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "IngressBench",
            dependencies: ["Adapters", "Domain", "EventStore", "BenchSupport", "ClickUnlockTesting", "MetaWebhook"],
            path: "Benchmarks/IngressBench",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "DeliveryBench",
            dependencies: [
                "Adapters", "Delivery", "Domain", "EventStore", "BenchSupport",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/DeliveryBench",
            swiftSettings: strict
        ),
        // The live feed under load: N WebSocket clients (SwiftNIO, frames parsed in place) and a
        // paced webhook sender in one process, against a running `clickunlock serve`.
        .executableTarget(
            name: "FeedBench",
            dependencies: [
                "BenchSupport",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Benchmarks/FeedBench",
            swiftSettings: strict
        ),
        .testTarget(
            name: "AdaptersTests",
            dependencies: [
                "Adapters", "Domain", "EventStore", "Delivery", "Projections", "MetaWebhook",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // A test clock for the telemetry's time windows.
                "ClickUnlockTesting", .product(name: "Clocks", package: "swift-clocks"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(name: "EventStoreTests", dependencies: ["EventStore"], swiftSettings: strict),
        .testTarget(
            name: "DomainTests",
            dependencies: ["Domain", "EventStore", "ClickUnlockTesting"],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "MetaWebhookTests",
            dependencies: ["MetaWebhook", "Domain", "EventStore"],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DeliveryTests",
            dependencies: [
                "Delivery", "Domain", "EventStore", "ClickUnlockTesting",
                .product(name: "Clocks", package: "swift-clocks"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ProjectionsTests",
            dependencies: [
                "Projections", "Domain", "EventStore", "MetaWebhook", "ClickUnlockTesting",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Clocks", package: "swift-clocks"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AppTests",
            dependencies: [
                "EventStore", "Domain", "Projections", "Adapters", "Delivery", "MetaWebhook", "ClickUnlockTesting",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                // The alerting tests' Alertmanager-style receiver.
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
    ]
)
