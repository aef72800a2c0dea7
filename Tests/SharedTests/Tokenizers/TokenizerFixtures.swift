import Foundation
@testable import Shared

/// The committed tokenizer fixtures in Tests/Fixtures/Tokenizers (written by
/// scripts/make_tokenizer_fixtures.py with Hugging Face `tokenizers`): four tokenizers and the ids `tokenizers` gives for a set of texts.
enum TokenizerFixtures {
    /// One text with `tokenizers`' ids and its decoding of those ids.
    struct Case: Decodable {
        let text: String
        let ids: [Int]
        let decoded: String
    }

    /// GPT-2's pre-tokenizer pieces of one text, as byte-level strings.
    struct Split: Decodable {
        let text: String
        let pieces: [String]
    }

    struct Expected: Decodable {
        let pairs: [Case]
        let strings: [Case]
        let vocabMerges: [Case]
        let byte: [Case]
        let pretokenize: [Split]

        enum CodingKeys: String, CodingKey {
            case pairs, strings, vocabMerges = "vocab-merges", byte, pretokenize
        }

        func cases(_ name: String) -> [Case] {
            switch name {
            case "pairs": return pairs
            case "strings": return strings
            case "vocab-merges": return vocabMerges
            default: return byte
            }
        }
    }

    /// Fixture names: `pairs` (merges as pairs, added tokens of every kind), `strings` (merges as
    /// strings, prefix space), `vocab-merges` (vocab.json + merges.txt), `byte` (the byte tokenizer).
    static let names = ["pairs", "strings", "vocab-merges", "byte"]

    /// Tests/Fixtures/Tokenizers: outside the test target's folder, so SwiftPM does not take the files
    /// for unhandled resources.
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/Tokenizers")

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static let expected: Expected = {
        let data = try! Data(contentsOf: directory.appendingPathComponent("expected.json"))
        return try! JSONDecoder().decode(Expected.self, from: data)
    }()
}
