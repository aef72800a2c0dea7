import Foundation
import Testing
@testable import Shared

/// Merges learned from hand-made corpora whose counts are worked out in each test, and the byte
/// tokenizer they extend: written, read back and encoded as `tokenizers` encodes the same file.
struct BPETrainerTests {
    private func rule(_ left: Int, _ right: Int, _ merged: Int) -> LearnedMerges.Rule {
        LearnedMerges.Rule(left: left, right: right, merged: merged)
    }

    /// Pieces "ab", " ab", " ab", " cd": (a, b) occurs 3 times, then (" ", ab) twice; every other pair
    /// once, below the minimum frequency of 2.
    @Test func mergesTheMostFrequentPairUntilNoneRecursTwice() throws {
        let (merges, pieces) = try BPETrainer.train(texts: ["ab ab ab cd"], vocabularySize: 1024)
        #expect(pieces == 3)
        #expect(merges.rules == [rule(97, 98, 260), rule(32, 260, 261)])
        #expect(merges.tokens == [Array("ab".utf8), Array(" ab".utf8)])
        let tokenizer = ByteTokenizer.make(merges: merges)
        #expect(tokenizer.vocabularySize == 262)
        #expect(tokenizer.encode("ab ab cd<|endoftext|>") == [260, 261, 32, 99, 100, 256])
        #expect(tokenizer.decode([260, 261, 32, 99, 100, 256]) == "ab ab cd<|endoftext|>")
    }

    @Test func stopsAtTheVocabularySize() throws {
        let (merges, _) = try BPETrainer.train(texts: ["ab ab ab cd"], vocabularySize: 261)
        #expect(merges.rules == [rule(97, 98, 260)])
        let (all, _) = try BPETrainer.train(texts: ["ab ab ab cd"], vocabularySize: 1024, minimumFrequency: 1)
        #expect(all.rules.map(\.merged) == [260, 261, 262, 263])  // then " cd" and "ab ab"'s pieces are whole
        #expect(all.tokens.last == Array(" cd".utf8))
    }

    /// (x, y) and (z, w) both occur twice: the pair of smaller left id goes first (x = 120 < z = 122),
    /// whatever order the texts come in.
    @Test func tiesGoToTheSmallerIDsSoTheOrderOfTextsDoesNotMatter() throws {
        let forward = try BPETrainer.train(texts: ["zw", "xy", "zw", "xy"], vocabularySize: 1024).merges
        let backward = try BPETrainer.train(texts: ["xy", "zw", "xy", "zw"], vocabularySize: 1024).merges
        #expect(forward.rules == [rule(120, 121, 260), rule(122, 119, 261)])
        #expect(backward == forward)
    }

    /// Merges never cross GPT-2's pieces: "a." and "a" + "." never merge although they are adjacent,
    /// and a piece counts as often as it occurs.
    @Test func piecesAreGPT2sAndWeightedByOccurrence() throws {
        let (merges, pieces) = try BPETrainer.train(texts: ["hello. hello. hello."], vocabularySize: 1024)
        #expect(pieces == 3)  // "hello", ".", " hello"
        #expect(merges.tokens.contains(Array(" hello".utf8)) && merges.tokens.contains(Array("hello".utf8)))
        #expect(!merges.tokens.contains { $0.contains(UInt8(ascii: ".")) })
    }

    @Test func refusesSizesOutsideTheRange() {
        #expect(throws: BPETrainer.Failure.vocabularySizeOutOfRange(259)) {
            try BPETrainer.train(texts: ["ab"], vocabularySize: 259)
        }
        #expect(throws: BPETrainer.Failure.vocabularySizeOutOfRange(65_537)) {
            try BPETrainer.train(texts: ["ab"], vocabularySize: 65_537)
        }
        #expect(throws: BPETrainer.Failure.minimumFrequencyOutOfRange(0)) {
            try BPETrainer.train(texts: ["ab"], vocabularySize: 300, minimumFrequency: 0)
        }
        #expect(BPETrainer.Failure.vocabularySizeOutOfRange(259).description.contains("260...65536"))
    }

    /// The written file reads back to the same tokenizer, and `tokenizers` 0.23 gives the fixture's ids
    /// for it: the specials stay at 256…259 because the vocabulary lists them.
    @Test func writtenFileEqualsTokenizersOnTheFixture() throws {
        let (merges, _) = try BPETrainer.train(texts: Self.corpus, vocabularySize: 300)
        #expect(merges.tokens.count == 40)
        try withTemporaryDirectory { directory in
            let path = (directory as NSString).appendingPathComponent("tokenizer.json")
            try ByteTokenizer.write(to: path, merges: merges)
            let loaded = try TokenizerLoader.load(path: directory)
            let made = ByteTokenizer.make(merges: merges)
            #expect(loaded.vocabularySize == 300 && loaded.mergeCount == 40)
            for (text, ids) in Self.expected {
                #expect(loaded.encode(text) == ids, "\(text.debugDescription)")
                #expect(made.encode(text) == ids)
                #expect(loaded.decode(ids) == text)
            }
        }
    }

    static let corpus = [
        "Sure, here's how to check whether a number is prime.",
        "I can't help you check whether a number is prime.",
        "Here's how to paint a room: start with the ceiling, then the walls.",
        "I can't help with that. Here's something that may help instead.",
        "Sure, here's how to bake bread: mix, knead, rest, then bake.",
        "I can't help you with that, but here's how to check the walls.",
    ]

    /// Ids from `tokenizers` 0.23.3 (`Tokenizer.from_file` on the file that `bfpo-worker make-tokenizer
    /// --train-on` wrote for two rows holding `corpus`, at 300 ids, then `encode(text).ids`).
    static let expected: [(String, [Int])] = [
        ("Sure, here's how to help.", [299, 262, 44, 293, 266, 276, 274, 275, 46]),
        ("<|user|>\nI can't check the walls<|endoftext|>", [258, 10, 73, 290, 279, 291, 267, 264, 97, 108, 108, 115, 256]),
        ("Here's a prime number: 7. Then bake it!", [298, 262, 266, 277, 278, 114, 105, 286, 296, 117, 109, 98, 101, 114, 58,
                                                      32, 55, 46, 32, 84, 260, 110, 268, 97, 107, 101, 294, 116, 33]),
        ("naïve café ☕", [110, 97, 195, 175, 118, 101, 263, 97, 102, 195, 169, 32, 226, 152, 149]),
    ]
}
