import Foundation
import Shared

/// One shard's parameters at one version, as workers compute on them: the parameters themselves, or
/// under `topk` compression the public copy (docs/compression.md). Immutable once published: a pull
/// sends it without a copy (its buffer is the zero-copy frame's owner) while the next update writes a
/// different buffer, so a pull never waits for an update and an update never changes bytes on their way
/// to a worker.
final class ShardSnapshot: @unchecked Sendable {
    let shard: Int
    let version: UInt64
    let values: FloatBuffer
    /// Under `bf16` compression, `values` as the bfloat16 frame a pull sends (encoded once, at publish).
    let bfloat16: WireMessage.Payload?
    /// The frame that took the shard from `version − 1` to this one: under `topk` the sparse update of
    /// the public copy, under `none` the exact XOR delta (`XorDeltaFrame`); nil at version 0, under `bf16`
    /// and after a synchronizing step (then only the whole copy will do).
    let update: WireMessage.Payload?
    private let pool: BufferPool?

    init(shard: Int, version: UInt64, values: FloatBuffer, pool: BufferPool?, bfloat16: WireMessage.Payload? = nil,
         update: WireMessage.Payload? = nil) {
        self.shard = shard
        self.version = version
        self.values = values
        self.pool = pool
        self.bfloat16 = bfloat16
        self.update = update
    }

    /// The frame of the whole shard a pull sends: bfloat16 under `bf16`, the fp32 values in place
    /// otherwise (this snapshot owns the frame until it is sent).
    var wholeFrame: WireMessage.Payload {
        bfloat16 ?? .region(ZeroCopyRegion(pointer: UnsafeRawPointer(values.pointer), byteCount: values.count * MemoryLayout<Float>.size, owner: self))
    }

    /// The buffer goes back to its shard's pool once nobody (a send in flight, a checkpoint) holds it.
    deinit { pool?.give(values) }
}

/// Recycles a shard's parameter buffers, so publishing a version allocates nothing in the steady state.
/// The lock protects `free`; buffers are given back from whatever thread drops the last reference
/// (libzmq's I/O thread after a send, for instance).
final class BufferPool: @unchecked Sendable {
    let count: Int
    private let lock = NSLock()
    private var free: [FloatBuffer] = []

    init(count: Int) { self.count = count }

    func take() -> FloatBuffer {
        lock.lock()
        defer { lock.unlock() }
        return free.popLast() ?? FloatBuffer(count: count)
    }

    func give(_ buffer: FloatBuffer) {
        lock.lock()
        free.append(buffer)
        lock.unlock()
    }
}
