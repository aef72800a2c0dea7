/// Conversions from the 16-bit float formats checkpoints are shipped in to `Float`.
///
/// Written with integer bit manipulation rather than `Float16`, which Swift does not offer on every
/// platform (x86_64 macOS lacks it). Both conversions are exact: every F16 and BF16 value, including
/// subnormals, infinities and NaNs (payload and sign kept), is representable as a `Float`.
public enum HalfPrecision {
    /// The `Float` equal to an IEEE 754 binary16 value (1 sign, 5 exponent, 10 mantissa bits).
    @inlinable
    public static func float(fromFloat16Bits bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits) & 0x3FF
        switch exponent {
        case 0 where mantissa == 0:
            return Float(bitPattern: sign)
        case 0:
            // Subnormal: mantissa · 2⁻²⁴. Shift the leading one into the implicit-bit position
            // (bit 10) and lower the exponent by the same amount; binary32 represents it as a normal.
            let shift = UInt32(mantissa.leadingZeroBitCount - 21)
            let normalized = (mantissa << shift) & 0x3FF
            return Float(bitPattern: sign | ((113 - shift) << 23) | (normalized << 13))
        case 0x1F:
            // Infinity (mantissa 0) or NaN; the payload moves to the top of binary32's mantissa so a
            // quiet NaN stays quiet.
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:
            // Rebias the exponent from 15 to 127.
            return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
        }
    }

    /// The `Float` equal to a bfloat16 value, which is the upper half of a binary32 bit pattern.
    @inlinable
    public static func float(fromBFloat16Bits bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }
}
