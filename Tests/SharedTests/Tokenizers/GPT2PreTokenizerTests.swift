import Testing
@testable import Shared

/// GPT-2's pre-tokenizer against the splits `tokenizers` made (byte-level strings), and a few cases
/// spelled out.
struct GPT2PreTokenizerTests {
    func pieces(_ text: String) -> [String] {
        var text = text
        return text.withUTF8 { bytes in
            var result: [String] = []
            GPT2PreTokenizer.split(bytes, 0..<bytes.count) { result.append(ByteEncoding.encode(bytes[$0])) }
            return result
        }
    }

    @Test func splitsEqualTokenizers() {
        let splits = TokenizerFixtures.expected.pretokenize
        for split in splits {
            #expect(pieces(split.text) == split.pieces, "\(split.text.debugDescription)")
        }
        print("compared \(splits.count) pre-tokenizer splits")
    }

    @Test(arguments: [
        ("Hello world", ["Hello", " world"]),
        ("  a", [" ", " a"]),                       // the run's last space goes to the word
        ("a   ", ["a", "   "]),                     // a run at the end stays whole
        ("a\n\nb", ["a", "\n", "\n", "b"]),         // \s+(?!\S) then \s+
        ("a \n b", ["a", " \n", " b"]),
        ("don't", ["don", "'t"]),
        ("DON'T", ["DON", "'", "T"]),               // contractions are lowercase only
        ("''s", ["''", "s"]),
        ("x 's", ["x", " '", "s"]),
        ("abc123 456", ["abc", "123", " 456"]),
        ("a!!! ?", ["a", "!!!", " ?"]),
        ("e\u{301}", ["e", "\u{301}"]),             // combining marks are not letters
        ("日本語 テキスト", ["日本語", " テキスト"]),
        ("a\u{00A0}b", ["a", "\u{00A0}", "b"]),     // NBSP is \s but not the optional space
        ("👨‍👩‍👧 x", ["👨‍👩‍👧", " x"]),
        ("\u{10940}a", ["\u{10940}", "a"]),          // assigned after Unicode 16: not a letter to tokenizers
    ])
    func splitsKnownCases(text: String, expected: [String]) {
        #expect(pieces(text) == expected.map { ByteEncoding.encode(Array($0.utf8)) })
    }
}
