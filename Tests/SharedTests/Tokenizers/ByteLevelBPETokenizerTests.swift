import Foundation
import Testing
@testable import Shared

/// `ByteLevelBPETokenizer` against the ids Hugging Face `tokenizers` gave for the committed fixtures.
struct ByteLevelBPETokenizerTests {
    @Test(arguments: TokenizerFixtures.names)
    func encodingEqualsTokenizers(fixture: String) throws {
        let tokenizer = try TokenizerLoader.load(path: TokenizerFixtures.path(fixture))
        let cases = TokenizerFixtures.expected.cases(fixture)
        var mismatches = 0, ids = 0
        for item in cases {
            let got = tokenizer.encode(item.text)
            ids += got.count
            if got != item.ids { mismatches += 1 }
            #expect(got == item.ids, "\(fixture): \(item.text.debugDescription)")
        }
        print("\(fixture): compared \(cases.count) texts, \(ids) ids, \(mismatches) mismatches")
        #expect(cases.count > 100)
    }

    /// Decoding gives what `tokenizers` decodes (skip_special_tokens=False), and so the text itself
    /// wherever no lstrip/rstrip token or prefix space changed it.
    @Test(arguments: TokenizerFixtures.names)
    func decodingEqualsTokenizers(fixture: String) throws {
        let tokenizer = try TokenizerLoader.load(path: TokenizerFixtures.path(fixture))
        var roundTrips = 0
        for item in TokenizerFixtures.expected.cases(fixture) {
            let decoded = tokenizer.decode(item.ids)
            #expect(decoded == item.decoded, "\(fixture): \(item.text.debugDescription)")
            if decoded == item.text { roundTrips += 1 }
        }
        print("\(fixture): \(roundTrips) exact round trips")
        if fixture != "strings" { #expect(roundTrips > 100) }  // `strings` adds a prefix space to every stretch
    }

    @Test func addedTokensKeepTheirIDsAndVocabularySizeCoversThem() throws {
        let tokenizer = try TokenizerLoader.load(path: TokenizerFixtures.path("pairs"))
        #expect(tokenizer.vocabularySize == 1007)
        #expect(tokenizer.mergeCount == 740)
        #expect(tokenizer.id(ofToken: "<|endoftext|>") == 0)
        #expect(tokenizer.id(ofToken: "<|assistant|>") == 3)
        #expect(tokenizer.id(ofToken: "<mask>") == 1000)
        #expect(tokenizer.id(ofToken: "日本") == 1006)
        #expect(tokenizer.id(ofToken: "encoding") == 554)  // an added token already in the vocabulary
        #expect(tokenizer.id(ofToken: "Ġ") != nil)
        #expect(tokenizer.id(ofToken: "no such token") == nil)
        let mask = try #require(tokenizer.addedTokens.first { $0.content == "<mask>" })
        #expect(mask.leftStrip && !mask.rightStrip && mask.special && !mask.normalized)
        #expect(tokenizer.encode("a <mask>") == [tokenizer.id(ofToken: "a")!, 1000])  // lstrip took the space
        #expect(tokenizer.encode("<|user|>!") == [2, tokenizer.id(ofToken: "!")!])    // <|user|> is cut out first
    }

    @Test func emptyTextHasNoIDs() throws {
        for fixture in TokenizerFixtures.names {
            let tokenizer = try TokenizerLoader.load(path: TokenizerFixtures.path(fixture))
            #expect(tokenizer.encode("") == [])
            #expect(tokenizer.decode([]) == "")
        }
    }

    /// Decoding skips ids that name no token instead of failing.
    @Test func decodingSkipsUnknownIDs() throws {
        let tokenizer = try TokenizerLoader.load(path: TokenizerFixtures.path("byte"))
        #expect(tokenizer.decode([72, -1, 105, 100_000, 260]) == "Hi")
    }

    /// One instance shared by many threads gives every thread the same ids (the cache is locked).
    @Test func concurrentEncodingAgrees() throws {
        let tokenizer = try TokenizerLoader.load(path: TokenizerFixtures.path("pairs"))
        let cases = TokenizerFixtures.expected.pairs
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for (index, item) in cases.enumerated() where (index + worker) % 2 == 0 {
                if tokenizer.encode(item.text) != item.ids { failures.add() }
            }
        }
        #expect(failures.count == 0)
    }

    /// A long word goes through the heap merge, not a quadratic loop: a word of 100 000 letters (English
    /// words run together, so that most pairs merge) encodes in a fraction of a second (a quadratic loop
    /// would take minutes) and decodes back.
    @Test func longWordsMergeInOrderNLogN() throws {
        let tokenizer = try TokenizerLoader.load(path: TokenizerFixtures.path("pairs"))
        let words = ["the", "tokenizer", "merge", "would", "people", "through", "encoding", "another"]
        var generator = SystemRandomNumberGenerator()
        var word = ""
        while word.utf8.count < 100_000 { word += words.randomElement(using: &generator)! }
        let start = Date()
        let ids = tokenizer.encode(word)
        let seconds = Date().timeIntervalSince(start)
        print("\(word.utf8.count)-byte word: \(ids.count) ids in \(seconds) s")
        #expect(ids.count < word.utf8.count / 3)
        #expect(tokenizer.decode(ids) == word)
        #expect(seconds < 5)
    }

    final class Failures: @unchecked Sendable {  // `value` is only touched while holding `lock`
        private let lock = NSLock()
        private var value = 0
        func add() { lock.lock(); value += 1; lock.unlock() }
        var count: Int { lock.lock(); defer { lock.unlock() }; return value }
    }
}
