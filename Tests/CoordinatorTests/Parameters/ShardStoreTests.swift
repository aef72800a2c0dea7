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

    @Test func anUpdatePublishesNewVersionsAndLeavesOldSnapshotsUntouched() throws {
        let config = GPT2Config(layers: 1, heads: 1, embedding: 4, positions: 8, vocabulary: 5)
        let layout = ParameterLayout(config: config)
        let parameters = FloatBuffer((0..<layout.count).map { Float($0 % 7) * 0.1 })
        let store = ShardStore(parameters: parameters, layout: layout, count: 3, hyperparameters: AdamW.Hyperparameters())
        let before = store.snapshots
        let copies = before.map { $0.values.array }
        let gradient = FloatBuffer([Float](repeating: 2, count: layout.count))
        #expect(store.norm(of: gradient) == (4 * Double(layout.count)).squareRoot())
        store.apply(gradient: gradient, scale: 0.5, learningRate: 0.01)
        while !store.isIdle { Thread.sleep(forTimeInterval: 0.001) }
        #expect(store.versions == [1, 1, 1])
        #expect(store.shardStates().map(\.optimizerSteps) == [1, 1, 1])
        // Snapshots handed out earlier (a pull in flight) keep their bytes.
        #expect(before.map { $0.values.array } == copies && before.map(\.version) == [0, 0, 0])
        // AdamW's first step with weight decay 0 moves every parameter by lr·g/(|g| + ε) ≈ 0.01.
        let (after, m, _) = store.gather()
        for i in 0..<layout.count { #expect(abs(after[i] - (parameters[i] - 0.01)) < 1e-6) }
        // m₁ = (1 − β1)·g with the scaled gradient g = 1.
        #expect(abs(m[0] - 0.1) < 1e-7)
    }
}
