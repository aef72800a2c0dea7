import Testing
@testable import Shared

/// The line formats of `bfpo-worker tokenize`: JSON strings in, JSON id arrays out; bad lines named.
struct TokenizeLineCodecTests {
    func decode(_ bytes: [UInt8], line: Int = 7) throws -> String {
        try bytes.withUnsafeBufferPointer { try TokenizeLineCodec.text(line: $0, number: line) }
    }

    func decode(_ text: String) throws -> String { try decode(Array(text.utf8)) }

    @Test func decodesJSONStrings() throws {
        #expect(try decode(#""hello""#) == "hello")
        #expect(try decode(" \t\"a\\\"b\\\\c\\/d\" \r") == "a\"b\\c/d")
        #expect(try decode(#""\n\r\t\b\f""#) == "\n\r\t\u{8}\u{C}")
        #expect(try decode(#""\u00e9\u65E5\ud83d\ude00\u0000""#) == "é日😀\u{0}")
        #expect(try decode("\"é日😀\"") == "é日😀")
        #expect(try decode(#""""#) == "")
    }

    @Test(arguments: [
        ([UInt8](#""ab\u00""#.utf8), "has a malformed \\u escape"),
        ([UInt8](#""\ud83d""#.utf8), "has an unpaired surrogate \\u escape, which is not text"),
        ([UInt8](#""\ude00x""#.utf8), "has an unpaired surrogate \\u escape, which is not text"),
        ([UInt8](#""abc"#.utf8), "the JSON string is not closed"),
        ([UInt8](#""a" "b""#.utf8), "has text after the JSON string"),
        ([UInt8](#"{"text": "a"}"#.utf8), "is not a JSON string"),
        ([UInt8](#"42"#.utf8), "is not a JSON string"),
        ([UInt8]("".utf8), "is empty; expected a JSON string"),
        ([UInt8](#""\x""#.utf8), "has an unknown escape in the JSON string"),
        ([0x22, 0x61, 0x09, 0x22], "has a raw control character in the JSON string (write it as an escape)"),
        ([0x22, 0x61, 0xFF, 0x22], "is not valid UTF-8 (byte 3)"),
        ([0x22, 0xC3, 0x22], "is not valid UTF-8 (byte 2)"),
    ])
    func refusesBadLinesNamingThem(bytes: [UInt8], reason: String) {
        #expect(throws: TokenizerError.invalidInputLine(line: 7, reason: reason)) { try decode(bytes) }
        #expect("\(TokenizerError.invalidInputLine(line: 7, reason: reason))" == "line 7: \(reason)")
    }

    @Test func writesIDArraysAndStrings() throws {
        var output: [UInt8] = []
        TokenizeLineCodec.append(ids: [1, 20, 300], to: &output)
        TokenizeLineCodec.append(ids: [], to: &output)
        TokenizeLineCodec.append(string: "a\"\\\n\u{1}é", to: &output)
        #expect(String(decoding: output, as: UTF8.self) == "[1,20,300]\n[]\n\"a\\\"\\\\\\n\\u0001é\"\n")
    }

    @Test func readsIDArrays() throws {
        func ids(_ text: String) throws -> [Int] {
            try Array(text.utf8).withUnsafeBufferPointer { try TokenizeLineCodec.ids(line: $0, number: 3) }
        }
        #expect(try ids("[1,20, 300 ]") == [1, 20, 300])
        #expect(try ids(" [] ") == [])
        #expect(throws: TokenizerError.self) { try ids("[1,-2]") }
        #expect(throws: TokenizerError.self) { try ids("[1.5]") }
        #expect(throws: TokenizerError.self) { try ids("[1,]") }
        #expect(throws: TokenizerError.self) { try ids("[1") }
    }
}
