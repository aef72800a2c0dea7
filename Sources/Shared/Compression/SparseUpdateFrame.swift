/// The payload frame of a `SparseUpdate`, little-endian like every frame:
///
///     UInt32 count | count × UInt32 index (strictly ascending) | count × Float32 value
///
/// 4 + 8·count bytes. Receiving checks the whole frame against the shard it updates before writing a
/// single value, so a refused frame leaves the worker's copy as it was.
public enum SparseUpdateFrame {
    /// The byte count of a frame with `entries` entries.
    public static func byteCount(entries: Int) -> Int { 4 + 8 * entries }

    /// The frame of `update`: one allocation, the frame's own bytes.
    public static func payload(_ update: SparseUpdate) -> WireMessage.Payload {
        let count = update.count
        let bytes = [UInt8](unsafeUninitializedCapacity: byteCount(entries: count)) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            raw.storeBytes(of: UInt32(truncatingIfNeeded: count).littleEndian, as: UInt32.self)
            for j in 0..<count {
                raw.storeBytes(of: update.indices[j].littleEndian, toByteOffset: 4 + 4 * j, as: UInt32.self)
                raw.storeBytes(of: update.values[j].bitPattern.littleEndian, toByteOffset: 4 + 4 * count + 4 * j, as: UInt32.self)
            }
            initialized = buffer.count
        }
        return .bytes(bytes)
    }

    /// Checks a received frame against a shard of `copy.count` values, then applies it to `copy` in place.
    /// - Returns: the number of entries applied.
    /// - Throws: `WireError.frameSize` (frame named "`frame` (sparse update)"), `.valueOutOfRange` (an
    ///   entry count above the shard's size, an index out of the shard or not above the one before it),
    ///   `.nonFinite`, `.tooLarge`; `copy` is untouched when it throws.
    @discardableResult
    public static func apply(_ payload: WireMessage.Payload, to copy: UnsafeMutableBufferPointer<Float>, frame: String) throws -> Int {
        try payload.withUnsafeBytes { raw in
            let count = try validate(raw, shardCount: copy.count, frame: frame)
            for j in 0..<count { copy[index(raw, j)] = value(raw, j, count: count) }
            return count
        }
    }

    /// Checks a received frame against a shard of `shardCount` values and returns its entries.
    /// - Throws: what `apply(_:to:frame:)` throws.
    public static func decode(_ payload: WireMessage.Payload, shardCount: Int, frame: String) throws -> SparseUpdate {
        try payload.withUnsafeBytes { raw in
            let count = try validate(raw, shardCount: shardCount, frame: frame)
            return SparseUpdate(indices: (0..<count).map { UInt32(index(raw, $0)) },
                                values: (0..<count).map { value(raw, $0, count: count) })
        }
    }

    /// The entry count, once the frame's size, indices and values are all known good.
    private static func validate(_ raw: UnsafeRawBufferPointer, shardCount: Int, frame: String) throws -> Int {
        let name = "\(frame) (sparse update)"
        guard raw.count >= 4 else { throw WireError.frameSize(frame: name, expectedBytes: 4, actualBytes: raw.count) }
        let count = Int(UInt32(littleEndian: raw.loadUnaligned(as: UInt32.self)))
        guard count <= shardCount else {
            throw WireError.valueOutOfRange(frame: "\(frame) entry count", index: 0, value: Int64(count),
                                            allowed: "0 to \(shardCount) (the shard's size)")
        }
        guard raw.count == byteCount(entries: count) else {
            throw WireError.frameSize(frame: name, expectedBytes: byteCount(entries: count), actualBytes: raw.count)
        }
        var previous = -1
        for j in 0..<count {
            let current = index(raw, j)
            guard current > previous, current < shardCount else {
                let allowed = current < shardCount ? "above the previous index (\(previous))" : "0 to \(shardCount - 1) (the shard's indices)"
                throw WireError.valueOutOfRange(frame: "\(frame) indices", index: j, value: Int64(current), allowed: allowed)
            }
            previous = current
        }
        for j in 0..<count where !TensorFrame.isUsable(value(raw, j, count: count)) {
            try TensorFrame.checkUsable(value(raw, j, count: count), frame: "\(frame) values", index: j)
        }
        return count
    }

    private static func index(_ raw: UnsafeRawBufferPointer, _ entry: Int) -> Int {
        Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 + 4 * entry, as: UInt32.self)))
    }

    private static func value(_ raw: UnsafeRawBufferPointer, _ entry: Int, count: Int) -> Float {
        Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 + 4 * count + 4 * entry, as: UInt32.self)))
    }
}
