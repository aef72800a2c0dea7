/// fp32 ↔ bfloat16 for parameters and gradients on the wire. bfloat16 is the upper half of a binary32
/// bit pattern (same exponent range, 8 significant bits), so encoding is one rounding and decoding is
/// exact; `HalfPrecision.float(fromBFloat16Bits:)` is the scalar decode.
///
/// The loops take buffers the caller owns, allocate nothing, and are branch-free so the compiler
/// vectorizes them. Counts must match: they come from the caller's own layout, not from the network
/// (`BFloat16Frame` checks received frames).
public enum BFloat16Codec {
    /// `value` rounded to the nearest bfloat16, ties to even (IEEE 754's default rounding): ±inf stay
    /// infinite, values at or beyond the midpoint between bfloat16's largest finite value and infinity
    /// round to infinity, and a NaN stays a NaN (sign kept, quieted so a payload held only in the
    /// dropped low bits cannot turn it into an infinity).
    @inlinable
    public static func bits(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        // Adding 0x7FFF plus the lowest kept bit carries into the kept half exactly when the dropped
        // half is above the midpoint, or at it with an odd kept half. A carry out of the mantissa raises
        // the exponent, which is the correct rounding up to the next binade or to infinity.
        let rounded = UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
        let quietNaN = UInt16(truncatingIfNeeded: bits >> 16) | 0x0040
        return bits & 0x7FFF_FFFF > 0x7F80_0000 ? quietNaN : rounded
    }

    /// Encodes `source` into `destination`, element by element, rounding to nearest even.
    public static func encode(_ source: UnsafeBufferPointer<Float>, into destination: UnsafeMutableBufferPointer<UInt16>) {
        precondition(source.count == destination.count, "bfloat16 encode: \(source.count) values into \(destination.count) slots")
        guard let input = source.baseAddress, let output = destination.baseAddress else { return }
        for i in 0..<source.count { output[i] = bits(from: input[i]) }
    }

    /// Decodes `source` into `destination` exactly.
    public static func decode(_ source: UnsafeBufferPointer<UInt16>, into destination: UnsafeMutableBufferPointer<Float>) {
        precondition(source.count == destination.count, "bfloat16 decode: \(source.count) values into \(destination.count) slots")
        guard let input = source.baseAddress, let output = destination.baseAddress else { return }
        for i in 0..<source.count { output[i] = Float(bitPattern: UInt32(input[i]) << 16) }
    }

    /// `accumulator[i] += Float(source[i])` in index order: one fp32 addition per element, the same
    /// rounding as adding an fp32 gradient that happens to hold the decoded value.
    public static func addDecoded(_ source: UnsafeBufferPointer<UInt16>, to accumulator: UnsafeMutableBufferPointer<Float>) {
        precondition(source.count == accumulator.count, "bfloat16 add: \(source.count) values into \(accumulator.count) slots")
        guard let input = source.baseAddress, let output = accumulator.baseAddress else { return }
        for i in 0..<source.count { output[i] += Float(bitPattern: UInt32(input[i]) << 16) }
    }
}
