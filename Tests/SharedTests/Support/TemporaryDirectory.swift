import Foundation

/// Runs `body` with a fresh empty directory under the system's temporary folder and removes the
/// directory afterwards, whether `body` returns or throws.
func withTemporaryDirectory<Result>(_ body: (String) throws -> Result) throws -> Result {
    let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("bfpo-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}
