import Shared

/// The frames a push sends for its gradient: each shard's range of the fp32 gradient in place, or under
/// `bf16` and `topk` compression its bfloat16 encoding, written into memory allocated once at join.
/// Frames are zero-copy regions whose owner signals when the transport no longer needs them, before the
/// next lease overwrites either buffer.
final class GradientFrames {
    let compression: WireCompression
    /// bfloat16 encodings, one 2-byte slot per parameter; nil for `none`.
    private let encoded: UnsafeMutableRawBufferPointer?

    init(parameterCount: Int, compression: WireCompression) {
        self.compression = compression
        encoded = compression == .none ? nil
            : UnsafeMutableRawBufferPointer.allocate(byteCount: BFloat16Frame.byteCount(for: parameterCount), alignment: 16)
    }

    deinit { encoded?.deallocate() }

    /// The frames of `shards` of `gradient`, in order, kept alive by `owner`.
    func frames(_ shards: [Wire.ShardRange], of gradient: FloatBuffer, owner: AnyObject) -> [WireMessage.Payload] {
        shards.map { shard in
            let offset = Int(shard.offset), count = Int(shard.count)
            guard let encoded else {
                return .region(ZeroCopyRegion(pointer: UnsafeRawPointer(gradient.pointer + offset),
                                              byteCount: count * MemoryLayout<Float>.size, owner: owner))
            }
            let bytes = UnsafeMutableRawBufferPointer(rebasing: encoded[BFloat16Frame.byteCount(for: offset)..<BFloat16Frame.byteCount(for: offset + count)])
            BFloat16Frame.encode(UnsafeBufferPointer(start: gradient.pointer + offset, count: count), into: bytes)
            return .region(ZeroCopyRegion(pointer: UnsafeRawPointer(bytes.baseAddress!), byteCount: bytes.count, owner: owner))
        }
    }
}
