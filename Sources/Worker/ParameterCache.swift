import Shared

/// A worker's copy of one parameter set (policy or reference): the whole flat vector the model reads,
/// and the version of each shard it holds, so only shards that changed are pulled again.
final class ParameterCache {
    let values: FloatBuffer
    let shards: [Wire.ShardRange]
    private(set) var versions: [UInt64?]

    init(shards: [Wire.ShardRange], parameterCount: Int) {
        values = FloatBuffer(count: parameterCount)
        self.shards = shards
        versions = [UInt64?](repeating: nil, count: shards.count)
    }

    /// Shards whose held version differs from `wanted`.
    func stale(comparedTo wanted: [UInt64]) -> [UInt32] {
        zip(versions, wanted).enumerated().compactMap { $0.element.0 == $0.element.1 ? nil : UInt32($0.offset) }
    }

    /// Copies one received whole shard into place — fp32, or bfloat16 widened to fp32 — the one copy a
    /// pull costs, into the vector the model reads.
    /// - Throws: `WireError` if the frame's size is wrong or a value is not finite (the shard is then
    ///   untouched).
    func store(shard id: UInt32, version: UInt64, frame: WireMessage.Payload, bfloat16: Bool) throws {
        let slice = try place(of: id)
        if bfloat16 {
            try BFloat16Frame.decode(frame, into: slice, frame: "shard \(id)")
        } else {
            let view = try TensorFrame.floats(frame, expectedCount: slice.count, frame: "shard \(id)")
            view.withUnsafeBufferPointer { slice.baseAddress!.update(from: $0.baseAddress!, count: $0.count) }
        }
        versions[Int(id)] = version
    }

    /// Applies the update frames that take the held copy of shard `id` from `version − updates.count` to
    /// `version`, in order: sparse updates under `topk` compression, exact XOR deltas under `none`.
    /// - Throws: `WorkerError.protocolViolation` if the copy held is not at that version; `WireError` for a
    ///   malformed update, after which the shard counts as not held (the next pull fetches it whole).
    func apply(shard id: UInt32, version: UInt64, updates: ArraySlice<WireMessage.Payload>, compression: WireCompression) throws {
        let slice = try place(of: id)
        guard let held = versions[Int(id)], held + UInt64(updates.count) == version else {
            throw WorkerError.protocolViolation(
                "\(updates.count) updates to version \(version) of shard \(id), which is held at \(versions[Int(id)].map(String.init) ?? "no version")")
        }
        versions[Int(id)] = nil
        for (index, frame) in updates.enumerated() {
            let name = "shard \(id) update \(index)"
            if compression.parameters == .exact {
                try XorDeltaFrame.apply(frame, to: slice, frame: name)
            } else {
                try SparseUpdateFrame.apply(frame, to: slice, frame: name)
            }
        }
        versions[Int(id)] = version
    }

    private func place(of id: UInt32) throws -> UnsafeMutableBufferPointer<Float> {
        guard Int(id) < shards.count else {
            throw WorkerError.protocolViolation("shard reply names shard \(id); the run has \(shards.count)")
        }
        let range = shards[Int(id)]
        return UnsafeMutableBufferPointer(start: values.pointer + Int(range.offset), count: Int(range.count))
    }
}
