import Foundation
import Testing
@testable import Shared

/// `bfpo-worker tokenize` and `make-tokenizer` as users run them: ids equal to those Hugging Face
/// `tokenizers` gave for the committed fixtures, and bad input lines named with a non-zero exit.
struct TokenizeCommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/Tokenizers")

    struct Case: Decodable {
        let text: String
        let ids: [Int]
    }

    func cases(_ fixture: String) throws -> [Case] {
        let data = try Data(contentsOf: Self.fixtures.appendingPathComponent("expected.json"))
        let all = try JSONDecoder().decode([String: [Case]].self, from: data.filteringPretokenize())
        return try #require(all[fixture])
    }

    func jsonLine(_ text: String) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: text, options: .fragmentsAllowed), as: UTF8.self)
    }

    @Test(arguments: ["pairs", "strings", "vocab-merges", "byte"])
    func tokenizeEqualsTokenizers(fixture: String) throws {
        let cases = try cases(fixture)
        let input = try cases.map { try jsonLine($0.text) + "\n" }.joined()
        let result = try ProcessRunner.run("bfpo-worker", ["tokenize", "--tokenizer", Self.fixtures.appendingPathComponent(fixture).path],
                                           stdin: input)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == cases.count)
        for (line, item) in zip(lines, cases) {
            let ids = try JSONDecoder().decode([Int].self, from: Data(line.utf8))
            #expect(ids == item.ids, "\(item.text.debugDescription)")
        }
        print("\(fixture): \(cases.count) lines compared")
    }

    @Test func badLineIsNamedAndFails() throws {
        let path = Self.fixtures.appendingPathComponent("byte/tokenizer.json").path
        let result = try ProcessRunner.run("bfpo-worker", ["tokenize", "--tokenizer", path], stdin: "\"ok\"\n{\"text\": 1}\n\"never\"\n")
        #expect(result.status != 0)
        #expect(result.stdout == "[111,107]\n")
        #expect(result.stderr.contains("line 2: is not a JSON string"), "\(result.stderr)")
    }

    @Test func missingTokenizerIsNamed() throws {
        let result = try ProcessRunner.run("bfpo-worker", ["tokenize", "--tokenizer", "/nonexistent/tok"], stdin: "\"a\"\n")
        #expect(result.status != 0)
        #expect(result.stderr.contains("/nonexistent/tok: cannot be read"), "\(result.stderr)")
    }

    @Test func makeTokenizerWritesTheByteTokenizerAndDecodeInvertsTokenize() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tokenizer-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let made = try ProcessRunner.run("bfpo-worker", ["make-tokenizer", "--out", directory])
            #expect(made.status == 0, "\(made.stderr)")
            let text = "<|system|>\n<|endoftext|>\n<|user|>\nHi 👋🏽 \"there\"<|endoftext|>\n<|assistant|>\n"
            let encoded = try ProcessRunner.run("bfpo-worker", ["tokenize", "--tokenizer", directory], stdin: try jsonLine(text) + "\n")
            #expect(encoded.status == 0, "\(encoded.stderr)")
            let ids = try JSONDecoder().decode([Int].self, from: Data(encoded.stdout.utf8))
            #expect(ids.prefix(3) == [257, 10, 256])
            #expect(ids == ByteTokenizer.make().encode(text))
            let decoded = try ProcessRunner.run("bfpo-worker", ["tokenize", "--tokenizer", directory, "--decode"], stdin: encoded.stdout)
            #expect(decoded.status == 0, "\(decoded.stderr)")
            #expect(try JSONDecoder().decode(String.self, from: Data(decoded.stdout.utf8)) == text)
        }
    }
}

private extension Data {
    /// expected.json without its `pretokenize` entry, whose rows have another shape.
    func filteringPretokenize() throws -> Data {
        var object = try JSONSerialization.jsonObject(with: self) as? [String: Any] ?? [:]
        object["pretokenize"] = nil
        return try JSONSerialization.data(withJSONObject: object)
    }
}
