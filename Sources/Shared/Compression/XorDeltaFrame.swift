import CKernels

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
/// `count` is the shard's size, known to both sides; all integers little-endian. `digest` is a 64-bit
/// FNV-1a of the new version's bit patterns, in four lanes (`digest(_:)`): a delta applied to a copy that
/// is not the version before (which the versions alone cannot rule out) would give other parameters
/// silently, so the receiver checks the result against it. Receiving checks the frame's whole structure before it writes, and the
/// values and digest after (undoing the XOR, its own inverse, if either fails), so a refused frame leaves
/// the copy as it was.
public enum XorDeltaFrame {
    private enum Kind: UInt8 { case zero = 0, raw = 1, sparse = 2 }

    /// The frame taking `previous` to `current` (the same count).
    ///
    /// Two passes over the two versions, no scratch: one counts each plane's nonzero bytes (which fixes
    /// every plane's form and the frame's size), one writes the planes. The loops run in `CKernels` where
    /// the CPU has AVX2 or AVX-512 (`VectorUnit`), the same bytes on every unit.
    public static func payload(from previous: UnsafeBufferPointer<Float>, to current: UnsafeBufferPointer<Float>) -> WireMessage.Payload {
        payload(from: previous, to: current, unit: .best)
    }

    /// `payload(from:to:)` on the given vector unit (tests compare the units).
    static func payload(from previous: UnsafeBufferPointer<Float>, to current: UnsafeBufferPointer<Float>, unit: VectorUnit) -> WireMessage.Payload {
        precondition(previous.count == current.count, "two versions of one shard")
        let count = current.count, bitmapBytes = (count + 7) / 8, loops = PlaneLoops(unit: unit)
        return previous.withMemoryRebound(to: UInt32.self) { old in
            current.withMemoryRebound(to: UInt32.self) { new in
                let nonzero = loops.nonzeroBytes(old, new)
                let kinds = nonzero.map { n -> Kind in n == 0 ? .zero : bitmapBytes + n < count ? .sparse : .raw }
                let sizes = zip(kinds, nonzero).map { kind, n in kind == .zero ? 0 : kind == .raw ? count : bitmapBytes + n }
                let bytes = [UInt8](unsafeUninitializedCapacity: 4 + sizes.reduce(0, +) + 8) { buffer, initialized in
                    let out = buffer.baseAddress!
                    for plane in 0..<4 { out[plane] = kinds[plane].rawValue }
                    var cursor = 4
                    for plane in 0..<4 {
                        switch kinds[plane] {
                        case .zero:
                            continue
                        case .raw:
                            loops.writeWhole(old, new, plane: plane, into: out + cursor)
                        case .sparse:
                            // The kernel's one byte past the values lands in the next plane or the digest,
                            // both written after it.
                            loops.writeSparse(old, new, plane: plane, bitmap: out + cursor, values: out + cursor + bitmapBytes)
                        }
                        cursor += sizes[plane]
                    }
                    withUnsafeBytes(of: digest(current).littleEndian) { for (i, byte) in $0.enumerated() { out[cursor + i] = byte } }
                    initialized = buffer.count
                }
                return .bytes(bytes)
            }
        }
    }

    /// FNV-1a in four interleaved lanes over the values' 32-bit patterns (lane j takes the values at
    /// indices ≡ j mod 4, a word at a time), then FNV-1a over the four lanes' hashes. Four independent
    /// multiply chains keep the multiplier busy where one chain would wait out each product's latency.
    static func digest(_ values: UnsafeBufferPointer<Float>) -> UInt64 {
        let prime: UInt64 = 0x0000_0100_0000_01B3
        var lanes = (UInt64(0xCBF2_9CE4_8422_2325), UInt64(0xCBF2_9CE4_8422_2325), UInt64(0xCBF2_9CE4_8422_2325),
                     UInt64(0xCBF2_9CE4_8422_2325))
        let blocks = values.count / 4
        for b in 0..<blocks {
            let i = 4 * b
            lanes.0 = (lanes.0 ^ UInt64(values[i].bitPattern)) &* prime
            lanes.1 = (lanes.1 ^ UInt64(values[i + 1].bitPattern)) &* prime
            lanes.2 = (lanes.2 ^ UInt64(values[i + 2].bitPattern)) &* prime
            lanes.3 = (lanes.3 ^ UInt64(values[i + 3].bitPattern)) &* prime
        }
        let tail = 4 * blocks
        if tail < values.count { lanes.0 = (lanes.0 ^ UInt64(values[tail].bitPattern)) &* prime }
        if tail + 1 < values.count { lanes.1 = (lanes.1 ^ UInt64(values[tail + 1].bitPattern)) &* prime }
        if tail + 2 < values.count { lanes.2 = (lanes.2 ^ UInt64(values[tail + 2].bitPattern)) &* prime }
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for lane in [lanes.0, lanes.1, lanes.2, lanes.3] { hash = (hash ^ lane) &* prime }
        return hash
    }

    /// Checks a received frame against a shard of `copy.count` values, then XORs it into `copy`.
    /// - Throws: `WireError.frameSize` (frame named "`frame` (xor delta)") or `.valueOutOfRange` for a
    ///   malformed frame; `.nonFinite` or `.tooLarge` when a resulting value is not usable, and
    ///   `.deltaBaseMismatch` when the result is not the new version (the copy held was not the version
    ///   before: pull the shard whole). `copy` is as it was when it throws.
    public static func apply(_ payload: WireMessage.Payload, to copy: UnsafeMutableBufferPointer<Float>, frame: String) throws {
        try apply(payload, to: copy, frame: frame, unit: .best)
    }

    /// `apply(_:to:frame:)` on the given vector unit (tests compare the units).
    static func apply(_ payload: WireMessage.Payload, to copy: UnsafeMutableBufferPointer<Float>, frame: String, unit: VectorUnit) throws {
        try payload.withUnsafeBytes { raw in
            let planes = try layout(raw, count: copy.count, frame: frame)
            let expected = raw.loadUnaligned(fromByteOffset: raw.count - 8, as: UInt64.self).littleEndian
            xor(raw, planes: planes, into: copy, unit: unit)
            if let bad = copy.firstIndex(where: { !TensorFrame.isUsable($0) }) {
                let value = copy[bad]
                xor(raw, planes: planes, into: copy, unit: unit)
                try TensorFrame.checkUsable(value, frame: "\(frame) (after the xor delta)", index: bad)
            }
            guard digest(UnsafeBufferPointer(copy)) == expected else {
                xor(raw, planes: planes, into: copy, unit: unit)
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

    private static func xor(_ raw: UnsafeRawBufferPointer, planes: [(kind: Kind, offset: Int)], into copy: UnsafeMutableBufferPointer<Float>,
                            unit: VectorUnit) {
        let count = copy.count, bitmapBytes = (count + 7) / 8
        let bytes = raw.baseAddress!.assumingMemoryBound(to: UInt8.self), loops = PlaneLoops(unit: unit)
        copy.withMemoryRebound(to: UInt32.self) { words in
            for (plane, entry) in planes.enumerated() {
                let shift = UInt32(8 * plane)
                switch entry.kind {
                case .zero:
                    continue
                case .raw:
                    loops.xorWhole(bytes + entry.offset, plane: plane, into: words)
                case .sparse:
                    var value = entry.offset + bitmapBytes
                    for b in 0..<bitmapBytes {
                        var bits = bytes[entry.offset + b]
                        while bits != 0 {
                            let i = 8 * b + bits.trailingZeroBitCount
                            words[i] ^= UInt32(bytes[value]) << shift
                            value += 1
                            bits &= bits - 1
                        }
                    }
                }
            }
        }
    }
}

/// The loops over every value of a plane, on one vector unit: in `CKernels` for AVX2 and AVX-512, in
/// Swift otherwise.
private struct PlaneLoops {
    let unit: VectorUnit

    /// How many words of `old ^ new` have a nonzero byte in each of the four planes.
    func nonzeroBytes(_ old: UnsafeBufferPointer<UInt32>, _ new: UnsafeBufferPointer<UInt32>) -> [Int] {
        var counts = [Int](repeating: 0, count: 4)
        guard let a = old.baseAddress, let b = new.baseAddress else { return counts }
        let n = old.count
        switch unit {
        case .avx512: bfpo_xor_plane_counts_avx512(a, b, n, &counts)
        case .avx2: bfpo_xor_plane_counts_avx2(a, b, n, &counts)
        case .baseline:
            for i in 0..<n {
                let word = a[i] ^ b[i]
                for plane in 0..<4 where (word >> (8 * plane)) & 0xFF != 0 { counts[plane] += 1 }
            }
        }
        return counts
    }

    /// Byte `plane` of every word of `old ^ new`, in order.
    func writeWhole(_ old: UnsafeBufferPointer<UInt32>, _ new: UnsafeBufferPointer<UInt32>, plane: Int, into out: UnsafeMutablePointer<UInt8>) {
        let a = old.baseAddress!, b = new.baseAddress!, n = old.count, shift = Int32(8 * plane)
        switch unit {
        case .avx512: bfpo_xor_plane_raw_avx512(a, b, n, shift, out)
        case .avx2: bfpo_xor_plane_raw_avx2(a, b, n, shift, out)
        case .baseline:
            for i in 0..<n { out[i] = UInt8(truncatingIfNeeded: (a[i] ^ b[i]) >> shift) }
        }
    }

    /// Byte `plane` of `old ^ new` as a bitmap of its nonzero bytes and those bytes; writes one byte past
    /// the last value.
    func writeSparse(_ old: UnsafeBufferPointer<UInt32>, _ new: UnsafeBufferPointer<UInt32>, plane: Int,
                     bitmap: UnsafeMutablePointer<UInt8>, values: UnsafeMutablePointer<UInt8>) {
        let a = old.baseAddress!, b = new.baseAddress!, n = old.count, shift = Int32(8 * plane)
        switch unit {
        case .avx512: bfpo_xor_plane_sparse_avx512(a, b, n, shift, bitmap, values)
        case .avx2: bfpo_xor_plane_sparse_avx2(a, b, n, shift, bitmap, values)
        case .baseline:
            var value = 0
            for group in 0..<(n + 7) / 8 {
                var bits: UInt8 = 0
                for i in 8 * group..<min(8 * group + 8, n) {
                    let byte = UInt8(truncatingIfNeeded: (a[i] ^ b[i]) >> shift)
                    values[value] = byte
                    let set: UInt8 = byte == 0 ? 0 : 1
                    bits |= set << UInt8(i % 8)
                    value += Int(set)
                }
                bitmap[group] = bits
            }
        }
    }

    /// XORs byte `plane` of every word from `bytes` into `words`.
    func xorWhole(_ bytes: UnsafePointer<UInt8>, plane: Int, into words: UnsafeMutableBufferPointer<UInt32>) {
        let copy = words.baseAddress!, n = words.count, shift = Int32(8 * plane)
        switch unit {
        case .avx512: bfpo_xor_apply_raw_avx512(copy, bytes, n, shift)
        case .avx2: bfpo_xor_apply_raw_avx2(copy, bytes, n, shift)
        case .baseline:
            for i in 0..<n { copy[i] ^= UInt32(bytes[i]) << shift }
        }
    }
}
