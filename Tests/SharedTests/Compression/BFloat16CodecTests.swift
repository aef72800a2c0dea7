import Testing
@testable import Shared

extension CompressionTests {
    @Suite struct BFloat16 {
        /// The nearest bfloat16 by exact arithmetic, ties to the even pattern: an independent reference
        /// for finite inputs.
        static func referenceBits(_ value: Float) -> UInt16 {
            let bits = value.bitPattern
            let below = UInt16(bits >> 16)
            guard bits & 0xFFFF != 0 else { return below }
            let lower = Double(HalfPrecision.float(fromBFloat16Bits: below))
            // One step away from zero; past bfloat16's largest finite value that step is infinity, whose
            // distance counts as that of 2^128 (the next power of two), as IEEE 754 rounding does.
            let above = below + 1
            let upper = above & 0x7FFF == 0x7F80 ? Double(value.sign == .minus ? -1 : 1) * 0x1p128
                                                 : Double(HalfPrecision.float(fromBFloat16Bits: above))
            let x = Double(value)
            let (down, up) = (abs(x - lower), abs(upper - x))
            if down != up { return down < up ? below : above }
            return below & 1 == 0 ? below : above
        }

        @Test func handPickedPatternsRoundToNearestEven() {
            let cases: [(input: UInt32, expected: UInt16, what: String)] = [
                (0x3F80_0000, 0x3F80, "1 is exact"),
                (0x3F80_7FFF, 0x3F80, "just below the midpoint rounds down"),
                (0x3F80_8000, 0x3F80, "tie with an even kept half stays"),
                (0x3F81_8000, 0x3F82, "tie with an odd kept half rounds up to even"),
                (0x3F80_8001, 0x3F81, "just above the midpoint rounds up"),
                (0xBF81_8000, 0xBF82, "negative tie rounds away to even"),
                (0x3FFF_FFFF, 0x4000, "carry into the exponent: 1.99999988 rounds to 2"),
                (0x0000_0001, 0x0000, "smallest subnormal rounds to +0"),
                (0x0000_8000, 0x0000, "subnormal tie with even kept half stays at 0"),
                (0x0001_8000, 0x0002, "subnormal tie with odd kept half rounds up"),
                (0x8000_C000, 0x8001, "negative subnormal above the midpoint"),
                (0x007F_FFFF, 0x0080, "largest subnormal rounds up to the smallest normal"),
                (0x0000_0000, 0x0000, "+0"),
                (0x8000_0000, 0x8000, "-0 keeps its sign"),
                (0x7F7F_0000, 0x7F7F, "bfloat16's largest finite value is exact"),
                (0x7F7F_7FFF, 0x7F7F, "below the midpoint to infinity stays finite"),
                (0x7F7F_8000, 0x7F80, "the midpoint to infinity ties to even: infinity"),
                (0x7F7F_FFFF, 0x7F80, "Float's largest finite value rounds to infinity"),
                (0xFF7F_FFFF, 0xFF80, "and its negative to -infinity"),
                (0x7F80_0000, 0x7F80, "+inf"),
                (0xFF80_0000, 0xFF80, "-inf"),
                (0x7FC0_0000, 0x7FC0, "quiet NaN"),
                (0xFFC0_0001, 0xFFC0, "negative NaN keeps its sign"),
                (0x7F80_0001, 0x7FC0, "NaN with its payload only in the dropped bits stays NaN"),
                (0x7FFF_FFFF, 0x7FFF, "NaN with every mantissa bit set"),
            ]
            for (input, expected, what) in cases {
                let bits = BFloat16Codec.bits(from: Float(bitPattern: input))
                #expect(bits == expected, "0x\(String(input, radix: 16)) → 0x\(String(bits, radix: 16)): \(what)")
            }
        }

        @Test func roundingMatchesExactArithmeticOnASweepOfPatterns() {
            var compared = 0, mismatches = 0
            for high in stride(from: UInt32(0), through: 0xFFFF, by: 7) {
                for low: UInt32 in [0x0000, 0x0001, 0x3FFF, 0x7FFF, 0x8000, 0x8001, 0xC000, 0xFFFF] {
                    let value = Float(bitPattern: high << 16 | low)
                    guard value.isFinite else { continue }
                    compared += 1
                    if BFloat16Codec.bits(from: value) != Self.referenceBits(value) { mismatches += 1 }
                }
            }
            print("bfloat16 rounding: \(compared) finite patterns compared with exact arithmetic, \(mismatches) mismatches")
            #expect(mismatches == 0)
        }

        @Test func everyPatternDecodesExactlyAndEncodesBackToItself() {
            let all = (0...0xFFFF).map { UInt16($0) }
            var decoded = [Float](repeating: 0, count: all.count)
            var encoded = [UInt16](repeating: 0, count: all.count)
            all.withUnsafeBufferPointer { source in
                decoded.withUnsafeMutableBufferPointer { BFloat16Codec.decode(source, into: $0) }
            }
            decoded.withUnsafeBufferPointer { source in
                encoded.withUnsafeMutableBufferPointer { BFloat16Codec.encode(source, into: $0) }
            }
            var wrongDecodes = 0, wrongEncodes = 0
            for bits in all {
                let value = decoded[Int(bits)]
                if value.bitPattern != UInt32(bits) << 16 { wrongDecodes += 1 }
                // A NaN comes back quieted; everything else, infinities included, comes back as itself.
                if encoded[Int(bits)] != (value.isNaN ? bits | 0x0040 : bits) { wrongEncodes += 1 }
            }
            print("bfloat16 round trip: \(all.count) patterns, \(wrongDecodes) wrong decodes, \(wrongEncodes) wrong encodes")
            #expect(wrongDecodes == 0 && wrongEncodes == 0)
        }

        @Test func addDecodedIsOneFloatAdditionPerElementInPlace() {
            let accumulatorStart: [Float] = [1, 0x1p24, -0.5, 3.25, 0, 1e30, -0.0, 0x1p-126]
            let added: [UInt16] = [
                0x3F80,   // 1: 1 + 1 = 2
                0x3F80,   // 1: 2^24 + 1 rounds (ties to even) back to 2^24 in fp32
                0x3F00,   // 0.5: -0.5 + 0.5 = +0
                0xC050,   // -3.25: exactly 0
                0x0001,   // 2^-133, the smallest bfloat16 subnormal
                0x7F7F,   // bfloat16 max (≈3.39e38) + 1e30
                0x8000,   // -0 + -0 = -0
                0x8080,   // -2^-126: exactly +0
            ]
            var accumulator = accumulatorStart
            added.withUnsafeBufferPointer { source in
                accumulator.withUnsafeMutableBufferPointer { BFloat16Codec.addDecoded(source, to: $0) }
            }
            let expected: [Float] = [2, 0x1p24, 0, 0, 0x1p-133, 0x1.FEp127 + 1e30, -0.0, 0]
            #expect(accumulator.map(\.bitPattern) == expected.map(\.bitPattern))
            #expect(accumulator[6].sign == .minus && accumulator[2].sign == .plus)
        }
    }
}
