import Testing
@testable import Shared

/// Cutting added tokens out of text as `tokenizers` does (the fixtures cover the same rules against
/// `tokenizers` itself; these spell the rules out).
struct AddedTokenSplitterTests {
    func split(_ text: String, _ tokens: [AddedToken]) -> [String] {
        var text = text
        return text.withUTF8 { bytes in
            AddedTokenSplitter(tokens: tokens).split(bytes).map { piece in
                switch piece {
                case .token(let id): return "#\(id)"
                case .text(let range): return String(decoding: bytes[range], as: UTF8.self)
                }
            }
        }
    }

    @Test func longestMatchAtTheLeftmostPositionWins() {
        let tokens = [AddedToken(content: "ab", id: 1), AddedToken(content: "abc", id: 2), AddedToken(content: "bcd", id: 3)]
        #expect(split("xabcd", tokens) == ["x", "#2", "d"])
        #expect(split("abab", tokens) == ["#1", "#1"])
        #expect(split("", tokens) == [])
    }

    @Test func stripTokensTakeTheWhitespaceBesideThem() {
        let tokens = [AddedToken(content: "<m>", id: 1, leftStrip: true), AddedToken(content: "<s>", id: 2, rightStrip: true)]
        #expect(split("a \t<m> b", tokens) == ["a", "#1", " b"])
        #expect(split("a <s> \n b", tokens) == ["a ", "#2", "b"])
        #expect(split("<s>  <m>", tokens) == ["#2", "#1"])  // the space already went to <s>
        #expect(split("a\u{3000}<m>", tokens) == ["a", "#1"])  // any White_Space, not just ASCII
    }

    @Test func singleWordTokensNeedNoWordCharacterBeside() {
        let tokens = [AddedToken(content: "foo", id: 1, singleWord: true)]
        #expect(split("foo, foo_ foobar a foo", tokens) == ["#1", ", foo_ foobar a ", "#1"])
        #expect(split("éfoo", tokens) == ["éfoo"])
        #expect(split("-foo-", tokens) == ["-", "#1", "-"])
    }

    /// Non-normalized tokens are cut out of the whole text first; normalized ones only from what is left.
    @Test func nonNormalizedTokensGoFirst() {
        let tokens = [AddedToken(content: "<u>", id: 1, normalized: false), AddedToken(content: "x<u>y", id: 2, normalized: true)]
        #expect(split("x<u>y", tokens) == ["x", "#1", "y"])
        let single = [AddedToken(content: "<u>", id: 1, normalized: false), AddedToken(content: "w", id: 2, singleWord: true, normalized: true)]
        #expect(split("a<u>w", single) == ["a", "#1", "#2"])  // w starts its own stretch
    }
}
