import Foundation
import Testing
@testable import Shared

/// The byte tokenizer: ids are bytes, then the chat template's specials, and its own tokenizer.json
/// (which `tokenizers` loads natively: the fixture's ids were computed by `tokenizers` from an
/// equivalent file) reads back to the same tokenizer.
struct ByteTokenizerTests {
    @Test func idsAreBytesThenSpecials() {
        let tokenizer = ByteTokenizer.make()
        #expect(tokenizer.vocabularySize == 260)
        #expect(ByteTokenizer.specialTokens.map { tokenizer.id(ofToken: $0) } == [256, 257, 258, 259])
        #expect(tokenizer.encode("Hi é") == [72, 105, 32, 195, 169])
        #expect(tokenizer.encode("<|user|>\nhi<|endoftext|>") == [258, 10, 104, 105, 256])
        #expect(tokenizer.decode([258, 10, 104, 105, 256]) == "<|user|>\nhi<|endoftext|>")
    }

    @Test func encodingEqualsTokenizersOnTheFixture() {
        let tokenizer = ByteTokenizer.make()
        for item in TokenizerFixtures.expected.byte {
            #expect(tokenizer.encode(item.text) == item.ids, "\(item.text.debugDescription)")
            #expect(tokenizer.decode(item.ids) == item.text)
        }
    }

    @Test func writtenFileReadsBackToTheSameTokenizer() throws {
        try withTemporaryDirectory { directory in
            let path = (directory as NSString).appendingPathComponent("tokenizer.json")
            try ByteTokenizer.write(to: path)
            let loaded = try TokenizerLoader.load(path: directory)
            #expect(loaded.vocabularySize == 260)
            #expect(loaded.addedTokens == ByteTokenizer.make().addedTokens)
            for item in TokenizerFixtures.expected.byte { #expect(loaded.encode(item.text) == item.ids) }
            let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
            let vocabulary = try #require((json["model"] as? [String: Any])?["vocab"] as? [String: Int])
            #expect(vocabulary.count == 260 && vocabulary["<|user|>"] == 258 && vocabulary["Ġ"] == 32 && vocabulary["\""] == 34 && vocabulary["\\"] == 92)
        }
    }
}
