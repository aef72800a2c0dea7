import Testing
@testable import Shared

/// The tests of Sources/Shared/Metrics (CRC-32C, TFRecord framing, TensorBoard events), grouped so that
/// `swift test --filter MetricsTests` runs them.
enum MetricsTests {}

extension MetricsTests {
    @Suite struct CRC32CChecksum {
        /// The standard check value of CRC-32C and the iSCSI test vectors (RFC 3720, B.4): 32 zero bytes, 32 bytes
        /// of 0xFF, 0...31 ascending and descending.
        @Test func checksumMatchesPublishedVectors() {
            #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
            #expect(CRC32C.checksum([]) == 0)
            #expect(CRC32C.checksum(Array("a".utf8)) == 0xC1D0_4330)
            #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
            #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
            #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
            #expect(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }) == 0x113F_DB5C)
        }

        /// masked = (crc rotated right by 15) + 0xA282EAD8 mod 2^32, worked by hand: the rotation of 0xE3069283 is
        /// 0x2507C60D (its low 15 bits, 0x1283, moved to the top), and the sum wraps past 2^32.
        @Test func maskRotatesRightBy15AndAddsTheConstantModulo2To32() {
            #expect(CRC32C.masked(0) == 0xA282_EAD8)
            #expect(CRC32C.masked(0xE306_9283) == 0xC78A_B0E5)
            #expect(CRC32C.masked(0x0000_8000) == 0xA282_EAD9)
            #expect(CRC32C.masked(0xFFFF_FFFF) == 0xA282_EAD7)
        }
    }
}
