import Foundation
import Testing

/// The repository is read on its own: no file refers to design or style notes kept outside it, and the
/// docs/ pages the code names exist. What users and contributors rely on is in docs/ (docs/README.md lists
/// it).
struct RepositoryReferencesTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// What may be scanned: the repository's own text, without build products.
    static let roots = ["README.md", "BENCHMARKS.md", "Makefile", "Package.swift", "docs", "Sources", "Tests", "cluster", "bench", "scripts",
                        "proto", "recipes"]

    /// Spelled in pieces, so that this file does not name them itself.
    static let outsideNames = ["design", "style"].map { $0 + ".md" } + [".." + "/shared"]

    /// Every regular file under `roots`, skipping hidden directories (build products among them).
    static func files() -> [URL] {
        let manager = FileManager.default
        var result: [URL] = []
        for root in roots {
            let url = repository.appendingPathComponent(root)
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: url.path, isDirectory: &isDirectory) else { continue }
            guard isDirectory.boolValue else {
                result.append(url)
                continue
            }
            let walker = manager.enumerator(at: url, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
            while let file = walker?.nextObject() as? URL {
                if (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true { result.append(file) }
            }
        }
        return result
    }

    @Test func noFileCitesNotesOutsideTheRepository() throws {
        let files = Self.files()
        #expect(files.contains { $0.lastPathComponent == "Package.swift" } && files.count > 100, "\(files.count) files")
        var citations: [String] = []
        for file in files {
            // Text files only: anything that is not UTF-8 (an image, a binary fixture) cannot cite a file.
            guard let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
            let relative = String(file.path.dropFirst(Self.repository.path.count + 1))
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where Self.outsideNames.contains(where: { line.contains($0) }) {
                citations.append("\(relative):\(index + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        #expect(citations.isEmpty, "files that cite notes outside the repository:\n\(citations.joined(separator: "\n"))")
    }

    /// Every docs/ page that code, tests, scripts, launchers or the protocol refer to is there.
    @Test func everyDocsPageTheCodeNamesExists() throws {
        let expression = try NSRegularExpression(pattern: "docs/[a-z0-9-]+\\.md")
        var missing: Set<String> = []
        for file in Self.files() where !file.path.hasPrefix(Self.repository.appendingPathComponent("docs").path + "/") {
            guard let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
            for match in expression.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let page = (text as NSString).substring(with: match.range)
                if !FileManager.default.fileExists(atPath: Self.repository.appendingPathComponent(page).path) {
                    missing.insert("\(file.lastPathComponent): \(page)")
                }
            }
        }
        #expect(missing.isEmpty, "pages named but not in docs/: \(missing.sorted())")
    }
}
