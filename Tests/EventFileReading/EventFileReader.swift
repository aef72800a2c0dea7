import Foundation
import Shared

/// Reads TensorBoard event files back for tests, independently of the writer's protobuf-c code: TFRecord framing
/// with both masked CRCs checked, and `Event`s decoded by hand from the protobuf wire format (field numbers of
/// proto/tensorboard.proto). Shared by the tests of the writer and of whole runs.
public enum EventFileReader {
    /// One decoded `Event`: the file version or the scalars of a summary, in the order they were written.
    public struct Event: Equatable {
        public var wallTime: Double = 0
        public var step: Int64 = 0
        public var fileVersion: String?
        public var scalars: [(tag: String, value: Float)] = []

        public static func == (a: Event, b: Event) -> Bool {
            a.wallTime == b.wallTime && a.step == b.step && a.fileVersion == b.fileVersion
                && a.scalars.map(\.tag) == b.scalars.map(\.tag) && a.scalars.map(\.value) == b.scalars.map(\.value)
        }
    }

    public enum Failure: Error, Equatable {
        case truncated(offset: Int)
        case lengthCRCMismatch(offset: Int)
        case dataCRCMismatch(offset: Int)
        case malformed(String)
    }

    /// The data of every record of `bytes`, each checked against its two masked CRC-32Cs.
    public static func records(_ bytes: [UInt8]) throws -> [[UInt8]] {
        var records: [[UInt8]] = []
        var offset = 0
        while offset < bytes.count {
            guard bytes.count - offset >= TFRecord.overhead else { throw Failure.truncated(offset: offset) }
            let header = Array(bytes[offset..<offset + 8])
            guard littleEndian(bytes, at: offset + 8, count: 4) == UInt64(CRC32C.masked(CRC32C.checksum(header))) else {
                throw Failure.lengthCRCMismatch(offset: offset)
            }
            let length = Int(littleEndian(bytes, at: offset, count: 8))
            guard length <= bytes.count - offset - TFRecord.overhead else { throw Failure.truncated(offset: offset) }
            let data = Array(bytes[offset + 12..<offset + 12 + length])
            guard littleEndian(bytes, at: offset + 12 + length, count: 4) == UInt64(CRC32C.masked(CRC32C.checksum(data))) else {
                throw Failure.dataCRCMismatch(offset: offset)
            }
            records.append(data)
            offset += length + TFRecord.overhead
        }
        return records
    }

    /// Every event of the file at `path`.
    public static func events(atPath path: String) throws -> [Event] {
        try records(Array(try Data(contentsOf: URL(fileURLWithPath: path)))).map(event)
    }

    /// Decodes one `Event` message; unknown fields are skipped, as protobuf readers do.
    public static func event(_ bytes: [UInt8]) throws -> Event {
        var event = Event()
        var fields = Fields(bytes: bytes[...])
        while let field = try fields.next() {
            switch (field.number, field.payload) {
            case (1, .fixed64(let bits)): event.wallTime = Double(bitPattern: bits)
            case (2, .varint(let value)): event.step = Int64(bitPattern: value)
            case (3, .bytes(let text)): event.fileVersion = String(decoding: text, as: UTF8.self)
            case (5, .bytes(let summary)): event.scalars += try scalars(summary)
            default: break
            }
        }
        return event
    }

    /// The `Value`s of a `Summary` with a `simple_value`.
    private static func scalars(_ summary: ArraySlice<UInt8>) throws -> [(tag: String, value: Float)] {
        var result: [(tag: String, value: Float)] = []
        var values = Fields(bytes: summary)
        while let field = try values.next() {
            guard field.number == 1, case .bytes(let value) = field.payload else { continue }
            var tag = "", simple: Float?
            var inner = Fields(bytes: value)
            while let part = try inner.next() {
                switch (part.number, part.payload) {
                case (1, .bytes(let text)): tag = String(decoding: text, as: UTF8.self)
                case (2, .fixed32(let bits)): simple = Float(bitPattern: bits)
                default: break
                }
            }
            guard let simple else { throw Failure.malformed("summary value \(tag) has no simple_value") }
            result.append((tag, simple))
        }
        return result
    }

    private static func littleEndian(_ bytes: [UInt8], at offset: Int, count: Int) -> UInt64 {
        (0..<count).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * $1) }
    }

    /// The fields of one protobuf message, in order.
    private struct Fields {
        enum Payload {
            case varint(UInt64), fixed64(UInt64), bytes(ArraySlice<UInt8>), fixed32(UInt32)
        }

        var bytes: ArraySlice<UInt8>

        mutating func next() throws -> (number: Int, payload: Payload)? {
            guard !bytes.isEmpty else { return nil }
            let key = try varint()
            let number = Int(key >> 3)
            switch key & 7 {
            case 0: return (number, .varint(try varint()))
            case 1: return (number, .fixed64(UInt64(truncatingIfNeeded: try fixed(8))))
            case 2:
                let length = Int(try varint())
                guard length <= bytes.count else { throw Failure.malformed("field \(number) runs past its message") }
                defer { bytes = bytes.dropFirst(length) }
                return (number, .bytes(bytes.prefix(length)))
            case 5: return (number, .fixed32(UInt32(truncatingIfNeeded: try fixed(4))))
            default: throw Failure.malformed("field \(number) has wire type \(key & 7)")
            }
        }

        private mutating func varint() throws -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while let byte = bytes.popFirst() {
                value |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
                guard shift < 64 else { break }
            }
            throw Failure.malformed("a varint is cut short or too long")
        }

        private mutating func fixed(_ count: Int) throws -> UInt64 {
            guard bytes.count >= count else { throw Failure.malformed("a fixed-width field is cut short") }
            defer { bytes = bytes.dropFirst(count) }
            return bytes.prefix(count).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * $1.offset) }
        }
    }
}
