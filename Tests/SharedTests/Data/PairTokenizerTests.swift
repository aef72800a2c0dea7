import Testing
@testable import Shared

/// Prompt and response are tokenized separately and concatenated; the mask is 1 exactly on the
/// response's ids; eos appears once per turn and response, never as a BOS or a second EOS.
struct PairTokenizerTests {
    let eos = 128
    let ascii = CharacterTokenizer.ascii

    func tokenizer(specials: [String] = ["<|endoftext|>"], eos: String = "<|endoftext|>") throws -> PairTokenizer {
        try PairTokenizer(tokenizer: CharacterTokenizer(specials: specials), template: ChatTemplate(eosToken: eos))
    }

    @Test func pairConcatenatesPromptAndResponseWithTheMaskOnTheResponse() throws {
        let row = PreferenceRow(prompt: [.user("Hi")], chosen: "ok", rejected: "no!", chosenSafe: false, rejectedSafe: true,
                                source: RowLocation(file: "data.jsonl", line: 7))
        let pair = try tokenizer().pair(row)
        let prompt = ascii("<|system|>\n") + [eos] + ascii("\n<|user|>\nHi") + [eos] + ascii("\n<|assistant|>\n")
        #expect(pair.chosenIDs == prompt + ascii("ok") + [eos])
        #expect(pair.rejectedIDs == prompt + ascii("no!") + [eos])
        #expect(pair.chosenMask == [Bool](repeating: false, count: prompt.count) + [true, true, true])
        #expect(pair.rejectedMask == [Bool](repeating: false, count: prompt.count) + [true, true, true, true])
        #expect(!pair.chosenSafe && pair.rejectedSafe)
        #expect(pair.source == RowLocation(file: "data.jsonl", line: 7))
        // No BOS: the ids start with the system header's first character; one eos ends the response.
        #expect(pair.chosenIDs.first == Int(UInt8(ascii: "<")))
        #expect(pair.chosenIDs.suffix(2) == [Int(UInt8(ascii: "k")), eos])
    }

    @Test func theModelDirectorysEosIsUsed() throws {
        let pairs = try tokenizer(specials: ["<|endoftext|>", "</s>"], eos: "</s>")
        #expect(pairs.eosID == 129)
        #expect(pairs.responseIDs("a") == ascii("a") + [129])
        #expect(pairs.promptIDs([.user("u")]) == ascii("<|system|>\n") + [129] + ascii("\n<|user|>\nu") + [129] + ascii("\n<|assistant|>\n"))
    }

    /// A tokenizer that knows eos as a token but does not recognise it in text still gets one eos id.
    struct LiteralTokenizer: Tokenizer {
        var vocabularySize: Int { 129 }
        func encode(_ text: String) -> [Int] { CharacterTokenizer.ascii(text) }
        func decode(_ ids: [Int]) -> String { "" }
        func id(ofToken token: String) -> Int? { token == "</s>" ? 128 : nil }
    }

    @Test func eosIsSplitOutOfTheTextBeforeEncoding() throws {
        let pairs = try PairTokenizer(tokenizer: LiteralTokenizer(), template: ChatTemplate(eosToken: "</s>"))
        #expect(pairs.encode("a</s>b</s></s>") == [97, 128, 98, 128, 128])
        #expect(pairs.encode("</") == [60, 47])
        #expect(pairs.encode("") == [])
    }

    @Test func anEosTheTokenizerLacksIsRefused() {
        #expect(throws: DatasetError.self) { _ = try tokenizer(specials: ["<|endoftext|>"], eos: "</s>") }
    }

    @Test func textRowsNeedATokenizerAndTokenizedRowsPassThrough() throws {
        let tokenized = try TokenizedPair(chosenIDs: [1, 2], chosenMask: [false, true], rejectedIDs: [1, 3], rejectedMask: [false, true],
                                          chosenSafe: true, rejectedSafe: true, source: RowLocation(file: "t.jsonl", line: 1))
        let text = PreferenceRow(prompt: [.user("q")], chosen: "a", rejected: "b", chosenSafe: true, rejectedSafe: false,
                                 source: RowLocation(file: "x.jsonl", line: 2))
        #expect(try PairTokenizer.pairs([.tokenized(tokenized)], tokenizer: nil) == [tokenized])
        #expect(throws: DatasetError.tokenizerRequired(file: "x.jsonl")) { _ = try PairTokenizer.pairs([.text(text)], tokenizer: nil) }
        let both = try PairTokenizer.pairs([.text(text), .tokenized(tokenized)], tokenizer: tokenizer())
        #expect(both.count == 2 && both[1] == tokenized && both[0].chosenIDs.suffix(2) == [97, eos])
    }
}
