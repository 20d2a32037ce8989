// swift-tools-version: 6.0
import PackageDescription

// The OpenCV modules the shim uses; linking all of opencv4 costs ~0.5 s and 40 MB at every start.
let openCVModules = ["opencv_core", "opencv_imgproc", "opencv_video", "opencv_tracking"]

// OpenVINO from its PyPI wheel, unpacked by `make deps` into .deps/openvino (git-ignored). The
// rpath names that folder for builds in this checkout, and `../lib/video-tracker` from the binary
// for installed copies (Deploy/Dockerfile: /usr/local/bin and /usr/local/lib/video-tracker), so
// nothing needs LD_LIBRARY_PATH.
let openVINO = Context.packageDirectory + "/.deps/openvino"
let openVINOSwiftFlags: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-I\(openVINO)/include"])]
let openVINOLinkerFlags: [LinkerSetting] = [.unsafeFlags([
    "-L\(openVINO)/libs",
    "-Xlinker", "-rpath", "-Xlinker", "\(openVINO)/libs",
    "-Xlinker", "-rpath", "-Xlinker", "$ORIGIN/../lib/video-tracker",
])]

let package = Package(
    name: "video-tracker",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "video-tracker", targets: ["VideoTrackerCLI"]),
        .library(name: "VideoTracker", targets: ["VideoTracker"]),
        .library(name: "VideoTrackerService", targets: ["VideoTrackerService"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        // The job table: SQL written against SQLKit, SQLite underneath (postgres-kit can take its place).
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        // PostgreSQL for several replicas sharing cameras and jobs (`--database postgres://...`).
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // Uploads parsed as they stream in; the page's templates.
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        // The only C/C++ surface: a plain C header over OpenCV's trackers, libcurl's variadic
        // setters and libav's function-like macros. Every C++ entry point catches every exception.
        .target(
            name: "CVideoTracker",
            cxxSettings: [.unsafeFlags(["-I/usr/include/opencv4", "-O2"])],
            linkerSettings: [
                .linkedLibrary("avformat"), .linkedLibrary("avcodec"), .linkedLibrary("avutil"),
                .linkedLibrary("swscale"), .linkedLibrary("curl"), .linkedLibrary("stdc++"),
            ] + openCVModules.map { .linkedLibrary($0) }
        ),
        // OpenVINO's C API as a Swift module (a module map over the wheel's headers).
        .systemLibrary(name: "COpenVINO"),
        // URL -> bytes -> frames -> models and trackers -> boxes. No HTTP server code here.
        .target(
            name: "VideoTracker",
            dependencies: [
                "CVideoTracker",
                "COpenVINO",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: openVINOSwiftFlags,
            linkerSettings: openVINOLinkerFlags
        ),
        // Jobs, cameras and their track records kept in a database (SQLite by default, or PostgreSQL):
        // the tables, their migrations, their queries.
        .target(
            name: "VideoTrackerStore",
            dependencies: [
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The HTTP face of the tracker (Hummingbird 2): routes, errors as JSON, metrics, the jobs
        // API with its queue, and the page (templates and static files are resources beside the binary).
        .target(
            name: "VideoTrackerService",
            dependencies: [
                "VideoTracker",
                "VideoTrackerStore",
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Templates"), .copy("Static")]
        ),
        .executableTarget(
            name: "VideoTrackerCLI",
            dependencies: [
                "CVideoTracker",
                "VideoTracker",
                "VideoTrackerService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // libFuzzer target over request decoding and validation (Fuzz/run.sh builds it with
        // -sanitize=fuzzer and -DFUZZING); in a normal build, a replayer: `RequestFuzzer Fuzz/corpus`.
        .executableTarget(
            name: "RequestFuzzer",
            dependencies: ["VideoTracker"]
        ),
        .testTarget(
            name: "VideoTrackerTests",
            dependencies: [
                "VideoTracker",
                "VideoTrackerService",
                "VideoTrackerStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    cxxLanguageStandard: .cxx17
)
