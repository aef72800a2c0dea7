/// The exact difference between two versions of a shard as one payload frame: the bitwise XOR of their
/// fp32 bit patterns, split into its four byte planes, each plane sent whole, as the positions and values
/// of its nonzero bytes, or not at all (docs/compression.md, "Exact deltas").
///
/// An optimizer step moves most parameters by a small fraction of their magnitude, so the sign, the
/// exponent and the top of the mantissa rarely change: the XOR's high planes are mostly zero bytes, and
/// a pull under `compression: none` costs about two bytes a parameter instead of four, exactly: the
/// receiver XORs the frame into the copy it holds at the version before and has the new bits.
///
///     UInt8 kind[4] | plane 0 | plane 1 | plane 2 | plane 3 | UInt64 digest   (plane p: byte p of each word)
///     kind 0: no bytes (the plane is zero)   kind 1: count bytes   kind 2: ⌈count/8⌉-byte bitmap, then
///                                                                  the nonzero bytes in order
///
/// `count` is the shard's size, known to both sides; all integers little-endian. `digest` is the 64-bit
/// FNV-1a of the new version's bit patterns: a delta applied to a copy that is not the version before
/// (which the versions alone cannot rule out) would give other parameters silently, so the receiver
/// checks the result against it. Receiving checks the frame's whole structure before it writes, and the
/// values and digest after (undoing the XOR, its own inverse, if either fails), so a refused frame leaves
/// the copy as it was.
public enum XorDeltaFrame {
    private enum Kind: UInt8 { case zero = 0, raw = 1, sparse = 2 }

    /// The frame taking `previous` to `current` (the same count).
    public static func payload(from previous: UnsafeBufferPointer<Float>, to current: UnsafeBufferPointer<Float>) -> WireMessage.Payload {
        precondition(previous.count == current.count, "two versions of one shard")
        let count = current.count, bitmapBytes = (count + 7) / 8
        let words = [UInt32](unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count { buffer[i] = previous[i].bitPattern ^ current[i].bitPattern }
            initialized = count
        }
        var nonzero = [Int](repeating: 0, count: 4)
        for word in words {
            for plane in 0..<4 where (word >> (8 * plane)) & 0xFF != 0 { nonzero[plane] += 1 }
        }
        let kinds = nonzero.map { n -> Kind in n == 0 ? .zero : bitmapBytes + n < count ? .sparse : .raw }
        let sizes = zip(kinds, nonzero).map { kind, n in kind == .zero ? 0 : kind == .raw ? count : bitmapBytes + n }
        let bytes = [UInt8](unsafeUninitializedCapacity: 4 + sizes.reduce(0, +) + 8) { buffer, initialized in
            buffer.initialize(repeating: 0)
            for plane in 0..<4 { buffer[plane] = kinds[plane].rawValue }
            var cursor = 4
            for plane in 0..<4 {
                let shift = UInt32(8 * plane)
                switch kinds[plane] {
                case .zero:
                    continue
                case .raw:
                    for i in 0..<count { buffer[cursor + i] = UInt8(truncatingIfNeeded: words[i] >> shift) }
                case .sparse:
                    var value = cursor + bitmapBytes
                    for i in 0..<count {
                        let byte = UInt8(truncatingIfNeeded: words[i] >> shift)
                        guard byte != 0 else { continue }
                        buffer[cursor + i / 8] |= 1 << UInt8(i % 8)
                        buffer[value] = byte
                        value += 1
                    }
                }
                cursor += sizes[plane]
            }
            withUnsafeBytes(of: digest(current).littleEndian) { for (i, byte) in $0.enumerated() { buffer[cursor + i] = byte } }
            initialized = buffer.count
        }
        return .bytes(bytes)
    }

    /// FNV-1a over the values' 32-bit patterns, a word at a time.
    static func digest(_ values: UnsafeBufferPointer<Float>) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for value in values { hash = (hash ^ UInt64(value.bitPattern)) &* 0x0000_0100_0000_01B3 }
        return hash
    }

    /// Checks a received frame against a shard of `copy.count` values, then XORs it into `copy`.
    /// - Throws: `WireError.frameSize` (frame named "`frame` (xor delta)") or `.valueOutOfRange` for a
    ///   malformed frame; `.nonFinite` or `.tooLarge` when a resulting value is not usable, and
    ///   `.deltaBaseMismatch` when the result is not the new version (the copy held was not the version
    ///   before: pull the shard whole). `copy` is as it was when it throws.
    public static func apply(_ payload: WireMessage.Payload, to copy: UnsafeMutableBufferPointer<Float>, frame: String) throws {
        try payload.withUnsafeBytes { raw in
            let planes = try layout(raw, count: copy.count, frame: frame)
            let expected = raw.loadUnaligned(fromByteOffset: raw.count - 8, as: UInt64.self).littleEndian
            xor(raw, planes: planes, into: copy)
            if let bad = copy.firstIndex(where: { !TensorFrame.isUsable($0) }) {
                let value = copy[bad]
                xor(raw, planes: planes, into: copy)
                try TensorFrame.checkUsable(value, frame: "\(frame) (after the xor delta)", index: bad)
            }
            guard digest(UnsafeBufferPointer(copy)) == expected else {
                xor(raw, planes: planes, into: copy)
                throw WireError.deltaBaseMismatch(frame: frame)
            }
        }
    }

    /// Each plane's kind and first byte, once the frame's size and bitmaps are known to be consistent.
    private static func layout(_ raw: UnsafeRawBufferPointer, count: Int, frame: String) throws -> [(kind: Kind, offset: Int)] {
        let name = "\(frame) (xor delta)", bitmapBytes = (count + 7) / 8
        guard raw.count >= 4 else { throw WireError.frameSize(frame: name, expectedBytes: 4, actualBytes: raw.count) }
        var planes: [(kind: Kind, offset: Int)] = []
        var cursor = 4
        for plane in 0..<4 {
            guard let kind = Kind(rawValue: raw[plane]) else {
                throw WireError.valueOutOfRange(frame: "\(frame) plane kinds", index: plane, value: Int64(raw[plane]), allowed: "0 to 2")
            }
            planes.append((kind, cursor))
            switch kind {
            case .zero:
                continue
            case .raw:
                cursor += count
            case .sparse:
                guard raw.count >= cursor + bitmapBytes else {
                    throw WireError.frameSize(frame: name, expectedBytes: cursor + bitmapBytes, actualBytes: raw.count)
                }
                var set = 0
                for b in 0..<bitmapBytes { set += raw[cursor + b].nonzeroBitCount }
                // Bits past the shard's end must be clear: each set bit is one value byte.
                if count % 8 != 0, raw[cursor + bitmapBytes - 1] >> UInt8(count % 8) != 0 {
                    throw WireError.valueOutOfRange(frame: "\(frame) plane \(plane) bitmap", index: bitmapBytes - 1,
                                                    value: Int64(raw[cursor + bitmapBytes - 1]), allowed: "no bit past the shard's \(count) values")
                }
                cursor += bitmapBytes + set
            }
            guard raw.count >= cursor else { throw WireError.frameSize(frame: name, expectedBytes: cursor, actualBytes: raw.count) }
        }
        guard raw.count == cursor + 8 else { throw WireError.frameSize(frame: name, expectedBytes: cursor + 8, actualBytes: raw.count) }
        return planes
    }

    private static func xor(_ raw: UnsafeRawBufferPointer, planes: [(kind: Kind, offset: Int)], into copy: UnsafeMutableBufferPointer<Float>) {
        let count = copy.count, bitmapBytes = (count + 7) / 8
        for (plane, entry) in planes.enumerated() {
            let shift = UInt32(8 * plane)
            switch entry.kind {
            case .zero:
                continue
            case .raw:
                for i in 0..<count {
                    copy[i] = Float(bitPattern: copy[i].bitPattern ^ UInt32(raw[entry.offset + i]) << shift)
                }
            case .sparse:
                var value = entry.offset + bitmapBytes
                for b in 0..<bitmapBytes {
                    var bits = raw[entry.offset + b]
                    while bits != 0 {
                        let i = 8 * b + bits.trailingZeroBitCount
                        copy[i] = Float(bitPattern: copy[i].bitPattern ^ UInt32(raw[value]) << shift)
                        value += 1
                        bits &= bits - 1
                    }
                }
            }
        }
    }
}
