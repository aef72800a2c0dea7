import Foundation

/// Splits a dataset file into rows, each with the line it starts on, and parses rows into
/// `JSONRecord`s. Two layouts are read: JSONL (one object a line, blank lines allowed) and a JSON array
/// of objects (the file's first non-blank byte is `[`), whose elements may span lines.
///
/// Splitting is separate from parsing so that a bad row is an error of that row alone (skippable with
/// `--skip-invalid`), while a file whose structure cannot be followed (an array never closed, an
/// unterminated string) fails as a whole. A UTF-8 byte order mark at the start is ignored.
public enum DatasetReader {
    /// One row's bytes (a JSONL line, or an array element from its first to its last byte) and the
    /// 1-based line of the file on which it starts.
    public struct RawRow: Sendable {
        public let bytes: ArraySlice<UInt8>
        public let line: Int
    }

    /// The rows of the file at `path`, in file order.
    /// - Throws: `DatasetError.unreadable`, or `.invalidJSON` naming the line where an array's structure breaks.
    public static func rows(file path: String) throws -> [RawRow] {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw DatasetError.unreadable(file: path, reason: JSONRecord.reason(of: error))
        }
        let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var first = start, line = 1
        while first < bytes.count, isWhitespace(bytes[first]) {
            if bytes[first] == newline { line += 1 }
            first += 1
        }
        if first < bytes.count, bytes[first] == UInt8(ascii: "[") {
            return try arrayElements(bytes, open: first, line: line, file: path)
        }
        return lines(bytes, from: start)
    }

    /// The record in `row`: valid UTF-8 holding one JSON object.
    /// - Throws: `DatasetError.invalidUTF8` naming the line and byte, or `.invalidJSON` naming the line.
    public static func record(_ row: RawRow, file: String) throws -> JSONRecord {
        if let bad = firstInvalidUTF8(row.bytes) {
            var line = row.line, lineStart = row.bytes.startIndex
            for index in row.bytes.startIndex..<bad where row.bytes[index] == newline {
                line += 1
                lineStart = index + 1
            }
            throw DatasetError.invalidUTF8(file: file, line: line, byte: bad - lineStart + 1)
        }
        return try JSONRecord(data: Data(row.bytes), source: RowLocation(file: file, line: row.line))
    }

    private static let newline = UInt8(ascii: "\n")

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// JSONL: every line that is not blank.
    private static func lines(_ bytes: [UInt8], from start: Int) -> [RawRow] {
        var rows: [RawRow] = []
        var lineStart = start, line = 1
        for index in start...bytes.count where index == bytes.count || bytes[index] == newline {
            let text = bytes[lineStart..<index]
            if text.contains(where: { !isWhitespace($0) }) { rows.append(RawRow(bytes: text, line: line)) }
            line += 1
            lineStart = index + 1
        }
        return rows
    }

    /// A JSON array's elements, found by following strings and bracket depth; each element is parsed
    /// later on its own.
    private static func arrayElements(_ bytes: [UInt8], open: Int, line firstLine: Int, file: String) throws -> [RawRow] {
        func fail(_ line: Int, _ reason: String) -> DatasetError { .invalidJSON(file: file, line: line, reason: reason) }
        var index = open + 1, line = firstLine
        func skipWhitespace() {
            while index < bytes.count, isWhitespace(bytes[index]) {
                if bytes[index] == newline { line += 1 }
                index += 1
            }
        }
        var rows: [RawRow] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
        } else {
            elements: while true {
                skipWhitespace()
                let start = index, startLine = line
                var depth = 0, inString = false
                scan: while index < bytes.count {
                    let byte = bytes[index]
                    if byte == newline { line += 1 }
                    if inString {
                        if byte == UInt8(ascii: "\\") {
                            index += 1
                            if index < bytes.count, bytes[index] == newline { line += 1 }
                        } else if byte == UInt8(ascii: "\"") {
                            inString = false
                        }
                    } else {
                        switch byte {
                        case UInt8(ascii: "\""): inString = true
                        case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                        case UInt8(ascii: "}"), UInt8(ascii: "]"):
                            if depth == 0 { break scan }
                            depth -= 1
                        case UInt8(ascii: ","):
                            if depth == 0 { break scan }
                        default: break
                        }
                    }
                    index += 1
                }
                if inString { throw fail(startLine, "the element starting here has an unterminated string") }
                guard index < bytes.count else { throw fail(startLine, "the array is not closed by \"]\" after the element starting here") }
                var end = index
                while end > start, isWhitespace(bytes[end - 1]) { end -= 1 }
                guard end > start else { throw fail(line, "expected an array element before \"\(Character(Unicode.Scalar(bytes[index])))\"") }
                rows.append(RawRow(bytes: bytes[start..<end], line: startLine))
                switch bytes[index] {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "]"): index += 1; break elements
                default: throw fail(line, "unbalanced \"}\" in the element starting at line \(startLine)")
                }
            }
        }
        skipWhitespace()
        guard index == bytes.count else { throw fail(line, "unexpected text after the array's closing \"]\"") }
        return rows
    }

    /// The index of the first byte that does not belong to a well-formed UTF-8 sequence (overlong
    /// forms, surrogates and values above U+10FFFF included), or nil if all are valid.
    static func firstInvalidUTF8(_ bytes: ArraySlice<UInt8>) -> Int? {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let lead = bytes[index]
            if lead < 0x80 { index += 1; continue }
            let length: Int, lowest: UInt8, highest: UInt8  // the allowed range of the second byte
            switch lead {
            case 0xC2...0xDF: (length, lowest, highest) = (2, 0x80, 0xBF)
            case 0xE0: (length, lowest, highest) = (3, 0xA0, 0xBF)
            case 0xE1...0xEC, 0xEE...0xEF: (length, lowest, highest) = (3, 0x80, 0xBF)
            case 0xED: (length, lowest, highest) = (3, 0x80, 0x9F)
            case 0xF0: (length, lowest, highest) = (4, 0x90, 0xBF)
            case 0xF1...0xF3: (length, lowest, highest) = (4, 0x80, 0xBF)
            case 0xF4: (length, lowest, highest) = (4, 0x80, 0x8F)
            default: return index
            }
            guard index + length <= bytes.endIndex, (lowest...highest).contains(bytes[index + 1]) else { return index }
            for next in (index + 2)..<(index + length) where bytes[next] & 0xC0 != 0x80 { return index }
            index += length
        }
        return nil
    }
}
