import Foundation
import Testing
import Shared
@testable import Coordinator

struct ShardStoreTests {
    @Test func shardRangesCoverTheVectorInOrderWithSizesWithinOne() {
        #expect(ShardLayout.ranges(parameterCount: 10, shards: 3) == [0..<4, 4..<7, 7..<10])
        #expect(ShardLayout.ranges(parameterCount: 9, shards: 3) == [0..<3, 3..<6, 6..<9])
        #expect(ShardLayout.ranges(parameterCount: 5, shards: 1) == [0..<5])
    }

    @Test func selectiveLayoutsCutTheTrainedParametersEvenlyAndLeaveTheGapsFrozen() {
        typealias S = ShardLayout.Shard
        // 12 trained parameters in [2, 6) and [10, 18) of 20, in 3 parts of 4: the second part spans the gap.
        #expect(ShardLayout.shards(parameterCount: 20, count: 3, trained: [2..<6, 10..<18]) == [
            S(range: 0..<2, frozen: true), S(range: 2..<6, frozen: false), S(range: 6..<10, frozen: true),
            S(range: 10..<14, frozen: false), S(range: 14..<18, frozen: false), S(range: 18..<20, frozen: true),
        ])
        #expect(ShardLayout.shards(parameterCount: 20, count: 2, trained: [2..<6, 10..<18]).map(\.range)
                == [0..<2, 2..<6, 6..<10, 10..<12, 12..<18, 18..<20])
        // More shards than trained parameters: one per parameter.
        #expect(ShardLayout.shards(parameterCount: 5, count: 4, trained: [1..<3]).map(\.range) == [0..<1, 1..<2, 2..<3, 3..<5])
        // Everything trained: the plain layout.
        #expect(ShardLayout.shards(parameterCount: 10, count: 3, trained: [0..<10]) == [0..<4, 4..<7, 7..<10].map { S(range: $0, frozen: false) })
    }

    @Test func anUpdatePublishesNewVersionsAndLeavesOldSnapshotsUntouched() throws {
        let config = GPT2Config(layers: 1, heads: 1, embedding: 4, positions: 8, vocabulary: 5)
        let layout = ParameterLayout(config: config)
        let parameters = FloatBuffer((0..<layout.count).map { Float($0 % 7) * 0.1 })
        let store = ShardStore(parameters: parameters, layout: layout, count: 3, hyperparameters: AdamW.Hyperparameters())
        let before = store.snapshots
        let copies = before.map { $0.values.array }
        let gradients = store.ranges.map { FloatBuffer([Float](repeating: 2, count: $0.count)) }
        store.apply(gradients: gradients, scale: 0.5, learningRate: 0.01)
        store.waitUntilIdle()
        #expect(store.versions == [1, 1, 1])
        #expect(store.shards.map(\.state.optimizerSteps) == [1, 1, 1])
        #expect(store.shards.map(\.state.offset) == store.ranges.map { UInt64($0.lowerBound) })
        // Snapshots handed out earlier (a pull in flight) keep their bytes.
        #expect(before.map { $0.values.array } == copies && before.map(\.version) == [0, 0, 0])
        // AdamW's first step with weight decay 0 moves every parameter by lr·g/(|g| + ε) ≈ 0.01.
        for (shard, snapshot) in zip(store.shards, store.snapshots) {
            for i in 0..<shard.range.count {
                #expect(abs(snapshot.values[i] - (parameters[shard.range.lowerBound + i] - 0.01)) < 1e-6)
            }
            // m₁ = (1 − β1)·g with the scaled gradient g = 1.
            #expect(abs(shard.firstMoment[0] - 0.1) < 1e-7)
        }
    }

    @Test func resumingRestoresEachShardsVersionStepsAndMoments() {
        let config = GPT2Config(layers: 1, heads: 1, embedding: 4, positions: 8, vocabulary: 5)
        let layout = ParameterLayout(config: config)
        let parameters = FloatBuffer((0..<layout.count).map { Float($0) })
        let m = FloatBuffer((0..<layout.count).map { Float($0) * 2 })
        let v = FloatBuffer((0..<layout.count).map { Float($0) * 3 })
        let ranges = ShardLayout.ranges(parameterCount: layout.count, shards: 2)
        let states = ranges.enumerated().map { i, r in
            TrainingState.ShardState(offset: r.lowerBound, count: r.count, version: UInt64(5 + i), optimizerSteps: 4 + i)
        }
        let store = ShardStore(parameters: parameters, layout: layout, count: 2, hyperparameters: AdamW.Hyperparameters(),
                               resume: (states, m, v, nil))
        #expect(store.versions == [5, 6])
        #expect(store.shards.map(\.optimizerSteps) == [4, 5])
        let second = store.shards[1]
        #expect(store.snapshots[1].values[0] == Float(second.range.lowerBound))
        #expect(second.firstMoment[0] == Float(second.range.lowerBound) * 2)
        #expect(second.secondMoment[second.range.count - 1] == Float(second.range.upperBound - 1) * 3)
    }

    /// Under `topk` a store resumed from its parameters, moments and public copy publishes, step after
    /// step, the same bits as the store that never stopped; resumed without the copy (P = W) it does not.
    @Test func aTopKStoreResumedWithItsPublicCopyGoesOnBitIdentical() {
        let config = GPT2Config(layers: 1, heads: 1, embedding: 4, positions: 8, vocabulary: 5)
        let layout = ParameterLayout(config: config)
        let compression = WireCompression.topK(fraction: 0.1)
        let parameters = FloatBuffer((0..<layout.count).map { Float($0 % 7) * 0.1 })
        func step(_ store: ShardStore, _ value: Float) {
            store.apply(gradients: store.ranges.map { range in FloatBuffer((0..<range.count).map { Float($0 % 3) * value }) },
                        scale: 1, learningRate: 0.01)
            store.waitUntilIdle()
        }
        let uninterrupted = ShardStore(parameters: parameters, layout: layout, count: 2, hyperparameters: AdamW.Hyperparameters(),
                                       compression: compression)
        step(uninterrupted, 1)
        step(uninterrupted, -2)
        func whole(_ part: (ShardStore.Shard) -> FloatBuffer) -> FloatBuffer {
            FloatBuffer(uninterrupted.shards.flatMap { part($0).array })
        }
        let states = uninterrupted.shards.map {
            TrainingState.ShardState(offset: $0.range.lowerBound, count: $0.range.count, version: 2, optimizerSteps: 2)
        }
        let publicCopy = whole { $0.publicValues! }
        #expect(publicCopy.array != whole(\.parameters).array, "the copy lags the parameters")
        let resume = (states, whole(\.firstMoment), whole(\.secondMoment))
        let resumed = ShardStore(parameters: whole(\.parameters), layout: layout, count: 2, hyperparameters: AdamW.Hyperparameters(),
                                 resume: (resume.0, resume.1, resume.2, publicCopy), compression: compression)
        let reset = ShardStore(parameters: whole(\.parameters), layout: layout, count: 2, hyperparameters: AdamW.Hyperparameters(),
                               resume: (resume.0, resume.1, resume.2, nil), compression: compression)
        #expect(resumed.snapshots.flatMap { $0.values.array.map(\.bitPattern) } == publicCopy.array.map(\.bitPattern))
        for value: Float in [3, 0.5] {
            step(uninterrupted, value)
            step(resumed, value)
            step(reset, value)
        }
        let bits = { (store: ShardStore) in store.snapshots.flatMap { $0.values.array.map(\.bitPattern) } }
        #expect(bits(resumed) == bits(uninterrupted) && resumed.versions == [4, 4])
        #expect(resumed.shards.flatMap { $0.parameters.array.map(\.bitPattern) } == uninterrupted.shards.flatMap { $0.parameters.array.map(\.bitPattern) })
        #expect(bits(reset) != bits(uninterrupted))
    }
}
