import Shared

/// The frames a push sends for its gradient, in the run's gradient form (docs/compression.md): each
/// shard's range of the fp32 gradient in place, or its bfloat16 or int8/int4 (`QuantizedFrame`)
/// encoding, written into memory allocated once at join, one slot per shard.
/// Frames are zero-copy regions whose owner signals when the transport no longer needs them, before the
/// next lease overwrites either buffer.
final class GradientFrames {
    let compression: WireCompression
    /// The encodings, one slot per shard; nil for fp32.
    private let encoded: UnsafeMutableRawBufferPointer?
    /// Each shard's slot in `encoded`, by shard id.
    private let slots: [Range<Int>]

    init(shards: [Wire.ShardRange], compression: WireCompression) {
        self.compression = compression
        var slots: [Range<Int>] = [], end = 0
        for shard in shards {
            let count = Int(shard.count)
            let bytes: Int
            switch compression.gradients {
            case .fp32: bytes = 0
            case .bf16: bytes = BFloat16Frame.byteCount(for: count)
            case .int8, .int4: bytes = QuantizedFrame.byteCount(for: count, compression.gradients)
            }
            // Slots start on 16-byte boundaries, as bfloat16 encoding wants them aligned.
            let start = (end + 15) & ~15
            slots.append(start..<(start + bytes))
            end = start + bytes
        }
        self.slots = slots
        encoded = compression.gradients == .fp32 ? nil : UnsafeMutableRawBufferPointer.allocate(byteCount: end, alignment: 16)
    }

    deinit { encoded?.deallocate() }

    /// The frames of `shards` of `gradient`, in order, kept alive by `owner`. A quantized form rounds with
    /// the stream of (`step`, `batch`, shard), so a batch's frames are the same whoever computes it.
    func frames(_ shards: [Wire.ShardRange], of gradient: FloatBuffer, step: UInt64, batch: UInt64,
                owner: AnyObject) -> [WireMessage.Payload] {
        shards.map { shard in
            let offset = Int(shard.offset), count = Int(shard.count)
            let values = UnsafeBufferPointer(start: gradient.pointer + offset, count: count)
            guard let encoded else {
                return .region(ZeroCopyRegion(pointer: UnsafeRawPointer(values.baseAddress!),
                                              byteCount: count * MemoryLayout<Float>.size, owner: owner))
            }
            let bytes = UnsafeMutableRawBufferPointer(rebasing: encoded[slots[Int(shard.shardID)]])
            switch compression.gradients {
            case .fp32: preconditionFailure("fp32 gradients are sent in place")
            case .bf16: BFloat16Frame.encode(values, into: bytes)
            case .int8, .int4:
                QuantizedFrame.encode(values, compression.gradients,
                                      seed: StochasticQuantization.seed(step: step, batch: batch, shard: shard.shardID), into: bytes)
            }
            return .region(ZeroCopyRegion(pointer: UnsafeRawPointer(bytes.baseAddress!), byteCount: bytes.count, owner: owner))
        }
    }
}
