import Foundation

/// A fresh directory under the system's temporary folder for the files one test writes (models, data,
/// outputs of the real binaries); the test removes it when done.
struct ScratchDirectory {
    let url: URL

    /// - Parameter prefix: names the suite in the directory's name, so a leftover says whose it is.
    init(_ prefix: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func remove() { try? FileManager.default.removeItem(at: url) }
}
