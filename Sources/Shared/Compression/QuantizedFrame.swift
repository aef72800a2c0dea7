/// A payload frame of `count` gradient values rounded by `StochasticQuantization` (`compression: …+int8`
/// and `…+int4`), little-endian like every payload frame:
///
///     Float32 step[blockCount] | codes
///
/// int8: one signed byte per value, −127…127. int4: two values per byte, value 2j in the low nibble of
/// byte j and value 2j + 1 in the high one, each a two's-complement nibble −7…7; with an odd count the last
/// high nibble is 0. Value i decodes to Float(code) · step[i / blockSize], exactly.
///
/// Sending encodes once into memory the sender owns; receiving checks the byte count, every step (finite, and
/// small enough that no decoded value reaches `Wire.Limits.tensorMagnitudeLimit`) and
/// every code before a single value reaches the destination.
public enum QuantizedFrame {
    /// The byte count of a frame of `count` values.
    public static func byteCount(for count: Int, _ gradients: WireCompression.Gradients) -> Int {
        StochasticQuantization.blockCount(count) * MemoryLayout<Float>.size + codeBytes(count, gradients)
    }

    private static func codeBytes(_ count: Int, _ gradients: WireCompression.Gradients) -> Int {
        gradients == .int4 ? (count + 1) / 2 : count
    }

    /// Encodes `values` into `bytes` (exactly `byteCount(for: values.count, gradients)` of them, owned by
    /// the caller) with the rounding stream `seed`.
    public static func encode(_ values: UnsafeBufferPointer<Float>, _ gradients: WireCompression.Gradients, seed: UInt64,
                              into bytes: UnsafeMutableRawBufferPointer) {
        precondition(bytes.count == byteCount(for: values.count, gradients), "a quantized frame of \(values.count) values")
        let blocks = StochasticQuantization.blockCount(values.count)
        let levels = StochasticQuantization.levels(gradients)
        guard let base = bytes.baseAddress else { return }
        let codes = base + blocks * MemoryLayout<Float>.size
        withUnsafeTemporaryAllocation(of: Float.self, capacity: blocks) { steps in
            if gradients == .int4 {
                // Nibbles are or-ed in, so the bytes start from zero (the odd count's last high nibble too).
                codes.initializeMemory(as: UInt8.self, repeating: 0, count: codeBytes(values.count, gradients))
                StochasticQuantization.quantize(values, levels: levels, seed: seed, steps: steps) { index, q in
                    let nibble = UInt8(truncatingIfNeeded: q) & 0x0F
                    let byte = codes + index / 2
                    byte.storeBytes(of: byte.load(as: UInt8.self) | (index % 2 == 0 ? nibble : nibble << 4), as: UInt8.self)
                }
            } else {
                StochasticQuantization.quantize(values, levels: levels, seed: seed, steps: steps) { index, q in
                    (codes + index).storeBytes(of: Int8(truncatingIfNeeded: q), as: Int8.self)
                }
            }
            for block in 0..<blocks {
                base.storeBytes(of: steps[block].bitPattern.littleEndian, toByteOffset: block * 4, as: UInt32.self)
            }
        }
    }

    /// Checks a received frame of `count` values without decoding it (a server holding a push).
    /// - Throws: `WireError.frameSize` (frame named "`frame` (int8)" or "(int4)"), `.nonFinite` or `.tooLarge` for
    ///   a step, `.valueOutOfRange` for a code outside −L…L or a nonzero padding nibble (the byte as the value).
    public static func validate(_ payload: WireMessage.Payload, count: Int, _ gradients: WireCompression.Gradients,
                                frame: String) throws {
        try payload.withUnsafeBytes { raw in
            let name = "\(frame) (\(gradients.name))"
            let blocks = StochasticQuantization.blockCount(count)
            let (stepBytes, overflow) = blocks.multipliedReportingOverflow(by: MemoryLayout<Float>.size)
            let (expected, overflowTotal) = stepBytes.addingReportingOverflow(codeBytes(count, gradients))
            guard !overflow, !overflowTotal, raw.count == expected else {
                throw WireError.frameSize(frame: name, expectedBytes: overflow || overflowTotal ? Int.max : expected, actualBytes: raw.count)
            }
            // A step at or beyond 2^101 / L could decode to a value past the limit every float frame keeps.
            let levels = Float(StochasticQuantization.levels(gradients))
            for block in 0..<blocks {
                try TensorFrame.checkUsable(step(raw, block) * levels, frame: "\(name) steps", index: block)
            }
            if gradients == .int4 {
                for j in 0..<codeBytes(count, gradients) {
                    let byte = raw[stepBytes + j], high = byte >> 4
                    let bad = byte & 0x0F == 8 ? 2 * j : (2 * j + 1 < count ? high == 8 : high != 0) ? 2 * j + 1 : nil
                    if let bad {
                        throw WireError.valueOutOfRange(frame: "\(name) codes", index: bad, value: Int64(byte),
                                                        allowed: "nibbles of -7 to 7, and 0 after the last value")
                    }
                }
            } else {
                for i in 0..<count where raw[stepBytes + i] == 0x80 {
                    throw WireError.valueOutOfRange(frame: "\(name) codes", index: i, value: -128, allowed: "-127 to 127")
                }
            }
        }
    }

    /// Adds a frame that `validate` accepted with `accumulator.count` values into `accumulator`
    /// (`accumulator[i] += code[i] · step`, in index order).
    public static func addValidated(_ payload: WireMessage.Payload, _ gradients: WireCompression.Gradients,
                                    to accumulator: UnsafeMutableBufferPointer<Float>) {
        payload.withUnsafeBytes { raw in
            precondition(raw.count == byteCount(for: accumulator.count, gradients), "a validated frame of the accumulator's size")
            forEachValue(raw, count: accumulator.count, gradients) { accumulator[$0] += $1 }
        }
    }

    /// Decodes a frame into `destination`, which it must fill exactly.
    /// - Throws: as `validate`; `destination` is untouched when it throws.
    public static func decode(_ payload: WireMessage.Payload, _ gradients: WireCompression.Gradients,
                              into destination: UnsafeMutableBufferPointer<Float>, frame: String) throws {
        try validate(payload, count: destination.count, gradients, frame: frame)
        payload.withUnsafeBytes { raw in forEachValue(raw, count: destination.count, gradients) { destination[$0] = $1 } }
    }

    private static func step(_ raw: UnsafeRawBufferPointer, _ block: Int) -> Float {
        Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: block * 4, as: UInt32.self)))
    }

    private static func forEachValue(_ raw: UnsafeRawBufferPointer, count: Int, _ gradients: WireCompression.Gradients,
                                     _ body: (Int, Float) -> Void) {
        let blocks = StochasticQuantization.blockCount(count)
        let codes = blocks * MemoryLayout<Float>.size
        for block in 0..<blocks {
            let step = step(raw, block)
            for i in (block * StochasticQuantization.blockSize)..<min(count, (block + 1) * StochasticQuantization.blockSize) {
                let code: Int8
                if gradients == .int4 {
                    let byte = raw[codes + i / 2]
                    code = Int8(bitPattern: (i % 2 == 0 ? byte << 4 : byte & 0xF0)) >> 4
                } else {
                    code = Int8(bitPattern: raw[codes + i])
                }
                body(i, Float(code) * step)
            }
        }
    }
}
