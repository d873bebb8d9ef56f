// swift-tools-version:6.1
import PackageDescription

// Swift 6 language mode everywhere: strict concurrency is on for every target.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "samespot",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "samespot", targets: ["samespot"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // Already built for Hummingbird and PostgresNIO; the benchmark's load generator uses it directly.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // Already built for PostgresNIO's authentication; Samespot uses its SHA-256 for API keys.
        .package(url: "https://github.com/apple/swift-crypto.git", "3.9.0"..<"6.0.0"),
        // Letters to residents from templates an admin edits: a real template engine, no dependencies of its own.
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        // Open311 posts as browsers' FormData and phone apps send them, with a photo: multipart/form-data.
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
        // Already built for HummingbirdTesting; the HTTP tests' client, with deadlines a test can set.
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // C libraries, through the system's headers (libgeos-dev, libproj-dev).
        .systemLibrary(name: "CGEOS", pkgConfig: "geos", providers: [.apt(["libgeos-dev"])]),
        .systemLibrary(name: "CPROJ", pkgConfig: "proj", providers: [.apt(["libproj-dev"])]),

        // Pure Swift domain: no I/O, no C, unit-tested in microseconds.
        .target(name: "SamespotCore", swiftSettings: swiftSettings),

        // Thin, safe wrappers over GEOS and PROJ, and the indexes built on them.
        .target(
            name: "SamespotGeo",
            dependencies: ["CGEOS", "CPROJ", "SamespotCore"],
            swiftSettings: swiftSettings
        ),

        // PostgreSQL: migrations, repositories, COPY importers.
        .target(
            name: "SamespotStore",
            dependencies: [
                "SamespotCore",
                "SamespotGeo",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),

        // The use cases over the store and the in-memory indexes (geocoder, wards).
        .target(
            name: "SamespotService",
            dependencies: [
                "SamespotCore",
                "SamespotGeo",
                "SamespotStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // HTTP: Hummingbird routes over the store and the in-memory indexes.
        .target(
            name: "SamespotHTTP",
            dependencies: [
                "SamespotCore",
                "SamespotGeo",
                "SamespotStore",
                "SamespotService",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The OpenAPI document, compiled into the binary: a container image needs no file beside it.
            // The web page's own files too (Leaflet is served from Debian's package, not copied).
            resources: [
                .embedInCode("OpenAPI/openapi.json"),
                .embedInCode("Web/Files/index.html"),
                .embedInCode("Web/Files/samespot.css"),
                .embedInCode("Web/Files/app.js"),
                .embedInCode("Web/Files/map.js"),
                .embedInCode("Web/Files/intake.js"),
                .embedInCode("Web/Files/hotspots.js"),
                .embedInCode("Web/Files/wards.js"),
            ],
            swiftSettings: swiftSettings
        ),

        // The one executable: serve, migrate, import, ...
        .executableTarget(
            name: "samespot",
            dependencies: [
                "SamespotCore",
                "SamespotGeo",
                "SamespotStore",
                "SamespotHTTP",
                "SamespotService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),

        // Shared by the test targets: fresh databases, the sample city loaded once, file paths.
        .target(
            name: "SamespotTestSupport",
            dependencies: [
                "SamespotStore", "SamespotGeo", "SamespotCore", "SamespotService",
                .product(name: "Logging", package: "swift-log"), .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/SamespotTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "SamespotCoreTests", dependencies: ["SamespotCore", "SamespotTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "SamespotGeoTests", dependencies: ["SamespotGeo", "SamespotCore", "SamespotTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SamespotStoreTests",
            dependencies: ["SamespotStore", "SamespotGeo", "SamespotCore", "SamespotTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SamespotHTTPTests",
            dependencies: [
                "SamespotHTTP",
                "SamespotStore",
                "SamespotService",
                "SamespotTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
