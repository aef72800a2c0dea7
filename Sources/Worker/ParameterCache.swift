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

    /// Copies one received shard into place: the one copy a pull costs, into the vector the model reads.
    /// - Throws: `WireError` if the frame's size is wrong or a value is not finite.
    func store(shard id: UInt32, version: UInt64, frame: WireMessage.Payload) throws {
        guard Int(id) < shards.count else {
            throw WorkerError.protocolViolation("shard reply names shard \(id); the run has \(shards.count)")
        }
        let range = shards[Int(id)]
        let view = try TensorFrame.floats(frame, expectedCount: Int(range.count), frame: "shard \(id)")
        view.withUnsafeBufferPointer { source in
            (values.pointer + Int(range.offset)).update(from: source.baseAddress!, count: source.count)
        }
        versions[Int(id)] = version
    }
}
