import Foundation
import Testing
@testable import Shared

/// Key files and allowlists: what `bfpo-worker keygen` writes reads back as the same pair, secrets are
/// private, and every malformed line is named.
struct KeyFilesTests {
    private func scratch() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func aPairReadsBackAndIsKeptWhenMadeAgain() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let made = try KeyFiles.makePair(named: "\(dir)/sub/worker-1")
        var info = stat()
        #expect(stat("\(dir)/sub/worker-1.key", &info) == 0 && info.st_mode & 0o777 == 0o600)
        let read = try KeyFiles.readPair(secretKeyFile: "\(dir)/sub/worker-1.key")
        #expect(read.publicKey == made.publicKey && read.secretKey == made.secretKey)
        #expect(try KeyFiles.publicKey("\(dir)/sub/worker-1.pub") == made.publicKey)
        #expect(try KeyFiles.publicKey(made.publicKey.z85) == made.publicKey)
        #expect(try KeyFiles.makePair(named: "\(dir)/sub/worker-1").secretKey == made.secretKey)
        try FileManager.default.removeItem(atPath: "\(dir)/sub/worker-1.pub")
        _ = try KeyFiles.makePair(named: "\(dir)/sub/worker-1")
        #expect(try KeyFiles.publicKey("\(dir)/sub/worker-1.pub") == made.publicKey)
        // A path that is also valid Z85 (40 characters of its alphabet) names its file.
        let ambiguous = "/tmp/bfpo" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(31)
        try #require(ambiguous.count == 40 && CurveKey(z85: ambiguous) != nil)
        try made.publicKey.z85.write(toFile: ambiguous, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: ambiguous) }
        #expect(try KeyFiles.publicKey(ambiguous) == made.publicKey)
        #expect(made.publicKey.bytes.count == 32 && made.publicKey.z85.count == 40 && made.publicKey != made.secretKey)
    }

    @Test func aSecretOthersCanReadIsRefused() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try KeyFiles.makePair(named: "\(dir)/w")
        chmod("\(dir)/w.key", 0o644)
        #expect(throws: SecurityError.secretKeyExposed(path: "\(dir)/w.key", mode: 0o644)) {
            try KeyFiles.readPair(secretKeyFile: "\(dir)/w.key")
        }
    }

    @Test func malformedKeysAndAllowlistLinesAreNamed() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = try CurveKeyPair.generate().publicKey, b = try CurveKeyPair.generate().publicKey
        try "# comment\n\n\(a.z85) worker-a\n\(b.z85)\n".write(toFile: "\(dir)/allowed", atomically: true, encoding: .utf8)
        let list = try KeyAllowlist(contentsOf: "\(dir)/allowed")
        #expect(list.names == [a: "worker-a", b: ""])
        let stranger = try CurveKeyPair.generate().publicKey
        #expect(list.allows(a) && !list.allows(stranger))

        try "\(a.z85)\nnot-a-key worker\n".write(toFile: "\(dir)/bad", atomically: true, encoding: .utf8)
        #expect(throws: SecurityError.malformedKey(path: "\(dir)/bad", line: 2)) { try KeyAllowlist(contentsOf: "\(dir)/bad") }
        #expect(throws: SecurityError.malformedKey(path: "\(dir)/bad", line: 2)) { try KeyFiles.publicKey("\(dir)/bad") }
        #expect(throws: SecurityError.self) { try KeyFiles.publicKey("\(dir)/missing.pub") }
        #expect(CurveKey(z85: String(repeating: "0", count: 39)) == nil)
        #expect(CurveKey(z85: String(repeating: "~", count: 40)) == nil)
    }
}
