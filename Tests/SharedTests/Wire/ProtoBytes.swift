import Shared

/// Hand-written protobuf bytes, for headers `WireCodec.encode` would never produce (unknown enum values,
/// invalid UTF-8, oversized repeated fields).
struct ProtoBytes {
    private(set) var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// A varint field; negative values take ten bytes, as protobuf encodes int32 enums.
    mutating func field(_ number: Int, varint value: Int64) {
        varint(UInt64(number << 3 | 0))
        varint(UInt64(bitPattern: value))
    }

    mutating func field(_ number: Int, bytes value: [UInt8]) {
        varint(UInt64(number << 3 | 2))
        varint(UInt64(value.count))
        bytes += value
    }

    mutating func field(_ number: Int, string value: String) { field(number, bytes: Array(value.utf8)) }

    mutating func field(_ number: Int, double value: Double) {
        varint(UInt64(number << 3 | 1))
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 }
    }

    mutating func field(_ number: Int, message: ProtoBytes) { field(number, bytes: message.bytes) }

    /// A packed repeated varint field.
    mutating func field(_ number: Int, packed values: [UInt64]) {
        var inner = ProtoBytes()
        for v in values { inner.varint(v) }
        field(number, bytes: inner.bytes)
    }

    /// An Envelope of `version` and `runID` with body field `bodyField` holding `body`.
    static func envelope(version: UInt32 = Wire.protocolVersion, runID: String = "run", bodyField: Int, body: ProtoBytes) -> [UInt8] {
        var e = ProtoBytes()
        e.field(1, varint: Int64(version))
        e.field(2, string: runID)
        e.field(bodyField, message: body)
        return e.bytes
    }
}

/// The wire layer's tests (Sources/Shared/Wire), grouped so that `swift test --filter Wire` runs them.
enum WireTests {}
