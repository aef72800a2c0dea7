/// CRC-32C (Castagnoli: reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF), the checksum of
/// TFRecord framing (`TFRecord`). A table-driven software implementation, one byte per step: event files get one
/// short record per optimizer step, so speed does not matter here.
public enum CRC32C {
    /// The CRC-32C of `bytes`; `checksum("123456789")` is 0xE3069283, the standard check value.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = table[Int(UInt8(truncatingIfNeeded: crc) ^ byte)] ^ (crc >> 8)
        }
        return ~crc
    }

    /// The CRC-32C of `bytes`.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }

    /// TFRecord's mask over a CRC: rotated right by 15 bits plus 0xA282EAD8 (mod 2^32). Framing stores masked CRCs
    /// because the CRC of data that itself embeds CRCs is prone to collisions.
    public static func masked(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }

    /// `table[i]`: the CRC register after shifting the byte `i` through eight rounds of the polynomial.
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 {
            value = value & 1 == 1 ? (value >> 1) ^ 0x82F6_3B78 : value >> 1
        }
        return value
    }
}
