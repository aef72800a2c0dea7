import Shared

/// How shards' state travels between the coordinator and a shard server, in `ServerAssignment` and
/// `StateReply` (docs/wire-protocol.md): after the message, four float32 frames per entry of its `shards`,
/// in order: the parameters, AdamW's first and second moments (empty for a frozen shard), and the public
/// copy workers compute on (docs/compression.md; under `topk` for a trained shard, empty otherwise).
/// Without the public copy a run resumed under `topk` would publish other values than the run that saved
/// it.
enum ShardStateFrames {
    static let perShard = 4

    /// One shard's state as received, each part checked (size, finite values).
    struct Parts {
        let values: TensorView<Float>
        let firstMoment: TensorView<Float>
        let secondMoment: TensorView<Float>
        /// Nil for a shard without one.
        let publicCopy: TensorView<Float>?
    }

    /// The frames of `shards`' states, which must be at rest (`ShardServer.restingShards`).
    static func frames(_ shards: [ShardStore.Shard]) -> [WireMessage.Payload] {
        shards.flatMap { shard in
            [.floats(shard.parameters), .floats(shard.firstMoment), .floats(shard.secondMoment),
             shard.publicValues.map { .floats($0) } ?? .bytes([])]
        }
    }

    /// Reads the state of every entry of `states` from `message`'s frames: the moments of `momentCount`
    /// values, the public copy of the shard's count when `compression` is `topk` and the shard is trained,
    /// empty otherwise.
    /// - Throws: `WireError` for a missing frame or one of the wrong size or with a value that is not finite.
    static func parts(of states: [Wire.ShardState], in message: WireMessage, compression: WireCompression) throws -> [Parts] {
        try message.requireFrameCount(perShard * states.count)
        return try states.enumerated().map { index, state in
            let hasCopy = compression.keepsPublicCopy && !state.frozen
            let counts = [Int(state.count), state.momentCount, state.momentCount, hasCopy ? Int(state.count) : 0]
            let views = try counts.enumerated().map { part, count in
                try TensorFrame.floats(message.frames[perShard * index + part], expectedCount: count, frame: "shard \(state.shardID) state part \(part)")
            }
            return Parts(values: views[0], firstMoment: views[1], secondMoment: views[2], publicCopy: hasCopy ? views[3] : nil)
        }
    }
}
