import Testing
import Shared
@testable import Coordinator

struct ShardStateFramesTests {
    let config = GPT2Config(layers: 1, heads: 1, embedding: 4, positions: 8, vocabulary: 5)

    func store(_ compression: WireCompression, trained: [Range<Int>]? = nil) -> ShardStore {
        let layout = ParameterLayout(config: config)
        return ShardStore(parameters: FloatBuffer((0..<layout.count).map { Float($0 % 5) * 0.1 }), layout: layout, count: 2,
                          hyperparameters: AdamW.Hyperparameters(), compression: compression, trained: trained)
    }

    func message(_ frames: [WireMessage.Payload], _ states: [Wire.ShardState]) -> WireMessage {
        WireMessage(.stateReply(Wire.StateReply(serverID: 1, shards: states)), runID: "run", frames: frames)
    }

    /// Four frames a shard, read back to the values sent: under `topk` a trained shard's public copy, a
    /// frozen shard (selective fine-tuning) none, and no copy without `topk`.
    @Test func eachShardTravelsAsParametersMomentsAndPublicCopy() throws {
        let topK = WireCompression.topK(fraction: 0.5)
        let selective = store(topK, trained: [0..<20])
        let shards = selective.shards
        #expect(shards.map(\.frozen).contains(true) && shards.map(\.frozen).contains(false))
        let frames = ShardStateFrames.frames(shards)
        #expect(frames.count == 4 * shards.count)
        let parts = try ShardStateFrames.parts(of: shards.map(\.state), in: message(frames, shards.map(\.state)), compression: topK)
        for (shard, part) in zip(shards, parts) {
            #expect(part.values.array == shard.parameters.array && part.firstMoment.count == shard.state.momentCount)
            #expect(part.publicCopy?.array == shard.publicValues?.array && (part.publicCopy == nil) == shard.frozen)
        }
        let plain = store(.none).shards
        let plainParts = try ShardStateFrames.parts(of: plain.map(\.state), in: message(ShardStateFrames.frames(plain), plain.map(\.state)),
                                                    compression: .none)
        #expect(plainParts.allSatisfy { $0.publicCopy == nil })
    }

    /// A state without its public copy under `topk`, with one where none belongs, or short of a frame, is refused.
    @Test func aStateWithoutTheRightPublicCopyIsRefused() {
        let topK = WireCompression.topK(fraction: 0.5)
        let plain = store(.none).shards, copied = store(topK).shards
        let states = plain.map(\.state)
        #expect(throws: WireError.self) {
            try ShardStateFrames.parts(of: states, in: message(ShardStateFrames.frames(plain), states), compression: topK)
        }
        #expect(throws: WireError.self) {
            try ShardStateFrames.parts(of: states, in: message(ShardStateFrames.frames(copied), states), compression: .none)
        }
        #expect(throws: WireError.frameCount(message: "StateReply", expected: 8, actual: 7)) {
            try ShardStateFrames.parts(of: states, in: message(Array(ShardStateFrames.frames(plain).dropLast()), states), compression: .none)
        }
    }
}
