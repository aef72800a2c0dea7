// swift-tools-version:6.0
import PackageDescription

/// Layout (design.md section 2): `Shared` holds everything both processes use; the coordinator and the
/// worker are thin executables over it. C libraries enter through system-library targets found with
/// pkg-config, so no Swift file outside their wrappers sees a C pointer from them.
let package = Package(
    name: "bfpo",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "bfpo-coordinator", targets: ["Coordinator"]),
        .executable(name: "bfpo-worker", targets: ["Worker"]),
        .executable(name: "bfpo-bench", targets: ["Bench"]),
        .library(name: "Shared", targets: ["Shared"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(
            name: "Shared",
            dependencies: ["COpenBLAS"]
        ),
        .executableTarget(
            name: "Coordinator",
            dependencies: ["Shared", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "Worker",
            dependencies: ["Shared", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "Bench",
            dependencies: ["Shared", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "bench/Sources/Bench"
        ),
        .testTarget(
            name: "SharedTests",
            dependencies: ["Shared"]
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["Shared"]
        ),
    ],
    swiftLanguageModes: [.v5]
)
