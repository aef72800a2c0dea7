/// The line formats of `bfpo-worker tokenize` (docs/contracts.md, "`bfpo-worker tokenize`"): each input line is one JSON
/// string, each output line one JSON array of token ids (and the reverse for `--decode`).
///
/// Input lines are untrusted: invalid UTF-8, anything but exactly one JSON string (whitespace around
/// it aside), raw control characters, bad escapes and unpaired surrogates are refused with the line
/// number and what is wrong.
public enum TokenizeLineCodec {
    /// The text of input line `number` (1-based), given without its line feed.
    /// - Throws: `TokenizerError.invalidInputLine`.
    public static func text(line: UnsafeBufferPointer<UInt8>, number: Int) throws -> String {
        func fail(_ reason: String) -> TokenizerError { .invalidInputLine(line: number, reason: reason) }
        if let bad = firstInvalidUTF8(line) { throw fail("is not valid UTF-8 (byte \(bad + 1))") }
        var index = skipWhitespace(line, from: 0)
        guard index < line.count, line[index] == UInt8(ascii: "\"") else {
            throw fail(index == line.count ? "is empty; expected a JSON string" : "is not a JSON string")
        }
        index += 1
        var text: [UInt8] = []
        text.reserveCapacity(line.count)
        while true {
            guard index < line.count else { throw fail("the JSON string is not closed") }
            let byte = line[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard skipWhitespace(line, from: index) == line.count else { throw fail("has text after the JSON string") }
                return String(decoding: text, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index < line.count else { throw fail("the JSON string is not closed") }
                let escape = line[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(escape)
                case UInt8(ascii: "b"): text.append(0x08)
                case UInt8(ascii: "f"): text.append(0x0C)
                case UInt8(ascii: "n"): text.append(0x0A)
                case UInt8(ascii: "r"): text.append(0x0D)
                case UInt8(ascii: "t"): text.append(0x09)
                case UInt8(ascii: "u"):
                    guard var value = hex4(line, at: index) else { throw fail("has a malformed \\u escape") }
                    index += 4
                    if (0xD800..<0xDC00).contains(value) {
                        guard index + 1 < line.count, line[index] == UInt8(ascii: "\\"), line[index + 1] == UInt8(ascii: "u"),
                              let low = hex4(line, at: index + 2), (0xDC00..<0xE000).contains(low) else {
                            throw fail("has an unpaired surrogate \\u escape, which is not text")
                        }
                        index += 6
                        value = 0x10000 + (value - 0xD800) << 10 + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(value) {
                        throw fail("has an unpaired surrogate \\u escape, which is not text")
                    }
                    UTF8.encode(Unicode.Scalar(value)!) { text.append($0) }
                default:
                    throw fail("has an unknown escape in the JSON string")
                }
            case 0..<0x20:
                throw fail("has a raw control character in the JSON string (write it as an escape)")
            default:
                text.append(byte)
            }
        }
    }

    /// Appends `[id,id,…]` and a line feed.
    public static func append(ids: [Int], to output: inout [UInt8]) {
        output.append(UInt8(ascii: "["))
        for (index, id) in ids.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            appendDecimal(id, to: &output)
        }
        output.append(UInt8(ascii: "]"))
        output.append(UInt8(ascii: "\n"))
    }

    /// Appends the decimal digits of `value` (the ids are never negative).
    private static func appendDecimal(_ value: Int, to output: inout [UInt8]) {
        guard value >= 10 else {
            output.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: max(0, value)))
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { buffer in
            var rest = value, count = 0
            while rest > 0 {
                buffer[19 - count] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
                count += 1
            }
            output.append(contentsOf: buffer[(20 - count)...])
        }
    }

    /// The ids of input line `number` of `tokenize --decode`: one JSON array of non-negative integers.
    /// - Throws: `TokenizerError.invalidInputLine`.
    public static func ids(line: UnsafeBufferPointer<UInt8>, number: Int) throws -> [Int] {
        func fail(_ reason: String) -> TokenizerError { .invalidInputLine(line: number, reason: reason) }
        var index = skipWhitespace(line, from: 0)
        guard index < line.count, line[index] == UInt8(ascii: "[") else { throw fail("is not a JSON array of token ids") }
        index = skipWhitespace(line, from: index + 1)
        var ids: [Int] = []
        if index < line.count, line[index] == UInt8(ascii: "]") {
            index += 1
        } else {
            while true {
                var value = 0, digits = 0
                while index < line.count, line[index] >= UInt8(ascii: "0"), line[index] <= UInt8(ascii: "9"), digits < 10 {
                    value = value * 10 + Int(line[index] - UInt8(ascii: "0"))
                    digits += 1
                    index += 1
                }
                guard digits > 0, index == line.count || !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(line[index]) else {
                    throw fail("has an entry that is not a token id (an integer of at most 10 digits)")
                }
                ids.append(value)
                index = skipWhitespace(line, from: index)
                guard index < line.count else { throw fail("the JSON array is not closed") }
                if line[index] == UInt8(ascii: "]") { index += 1; break }
                guard line[index] == UInt8(ascii: ",") else { throw fail("is not a JSON array of token ids") }
                index = skipWhitespace(line, from: index + 1)
            }
        }
        guard skipWhitespace(line, from: index) == line.count else { throw fail("has text after the JSON array") }
        return ids
    }

    /// Appends `text` as a JSON string literal (non-ASCII written as UTF-8) and a line feed.
    public static func append(string text: String, to output: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                output.append(contentsOf: Array("\\u00".utf8))
                output.append(contentsOf: [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: output.append(byte)
            }
        }
        output.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: "\n")])
    }

    private static func skipWhitespace(_ line: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var index = start
        while index < line.count {
            let byte = line[index]
            guard byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A else { break }
            index += 1
        }
        return index
    }

    private static func hex4(_ line: UnsafeBufferPointer<UInt8>, at start: Int) -> UInt32? {
        guard start + 4 <= line.count else { return nil }
        var value: UInt32 = 0
        for byte in line[start..<(start + 4)] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// The offset of the first byte that is not part of valid UTF-8, if any.
    private static func firstInvalidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var offset = 0
        while offset < bytes.count, bytes[offset] < 0x80 { offset += 1 }  // ASCII needs no decoder
        var iterator = UnsafeBufferPointer(rebasing: bytes[offset...]).makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }
}
