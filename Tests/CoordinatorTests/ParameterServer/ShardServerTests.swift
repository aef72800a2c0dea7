import Foundation
import Testing
import Shared
@testable import Coordinator

struct ShardServerTests {
    let config = GPT2Config(layers: 1, heads: 1, embedding: 4, positions: 8, vocabulary: 5)

    func makeServer(shards: Int = 2, compression: WireCompression = .none) -> ShardServer {
        let layout = ParameterLayout(config: config)
        let parameters = FloatBuffer((0..<layout.count).map { Float($0 % 5) * 0.1 })
        return ShardServer(store: ShardStore(parameters: parameters, layout: layout, count: shards, hyperparameters: AdamW.Hyperparameters(),
                                             compression: compression))
    }

    /// One step with a gradient of `value` everywhere, applied.
    func step(_ server: ShardServer, _ number: UInt64, value: Float = 1) throws {
        try server.hold(push(100 + number), shards: server.trainedShardIDs) { _ in BufferGradient([Float](repeating: value, count: server.ranges.last!.upperBound), shards: server.ranges) }
        _ = try server.reduce(step: number, leases: [push(100 + number)], dropped: [])
        try server.commit(step: number, scale: 1, learningRate: 0.01)
        server.store.waitUntilIdle()
    }

    @Test func topKPullsSendTheSparseUpdatesSinceTheHeldVersionOrTheWholePublicCopy() throws {
        let server = makeServer(compression: .topK(fraction: 0.1))
        let counts = server.ranges.map(\.count)
        let initial = server.store.snapshots.map { $0.values.array }
        try step(server, 0)
        try step(server, 1)
        // A worker at version 0 gets two updates per shard, each of k = ⌈0.1·count⌉ entries.
        let request = Wire.ShardRequest(workerID: 1, parameterSet: .policy, shardIDs: [0, 1], heldVersions: [0, 0])
        let (reply, frames) = try #require(server.reply(to: request))
        #expect(reply.shards.map(\.version) == [2, 2] && reply.updateCounts == [2, 2] && frames.count == 4)
        for (s, count) in counts.enumerated() {
            var copy = initial[s]
            let applied = try copy.withUnsafeMutableBufferPointer { buffer in
                try frames[(2 * s)..<(2 * s + 2)].map { try SparseUpdateFrame.apply($0, to: buffer, frame: "test") }
            }
            #expect(applied == [Int](repeating: PublicCopy.selectionCount(fraction: 0.1, count: count), count: 2))
            // The worker's copy is the published public copy, bit for bit, and not the parameters.
            #expect(copy.map(\.bitPattern) == server.store.snapshots[s].values.array.map(\.bitPattern))
            #expect(copy != server.restingShards()[s].parameters.array)
        }
        // No version held: the whole public copy in fp32, which is what a checkpoint saves beside the parameters.
        let (fresh, whole) = try #require(server.reply(to: Wire.ShardRequest(workerID: 1, parameterSet: .policy, shardIDs: [1])))
        #expect(fresh.updateCounts == [] && fresh.shards.map(\.version) == [2])
        let copy = try TensorFrame.floats(whole[0], expectedCount: counts[1], frame: "shard 1").array
        #expect(copy.map(\.bitPattern) == server.restingShards()[1].publicValues?.array.map(\.bitPattern))
        #expect(copy != server.restingShards()[1].parameters.array)
    }

    @Test func bf16PullsSendTheParametersRoundedToBFloat16() throws {
        let server = makeServer(compression: .bf16)
        try step(server, 0)
        let (reply, frames) = try #require(server.reply(to: Wire.ShardRequest(workerID: 1, parameterSet: .policy, shardIDs: [1])))
        #expect(reply.updateCounts == [] && frames[0].byteCount == 2 * server.ranges[1].count)
        let parameters = server.restingShards()[1].parameters.array
        var decoded = [Float](repeating: 0, count: parameters.count)
        try decoded.withUnsafeMutableBufferPointer { try BFloat16Frame.decode(frames[0], into: $0, frame: "test") }
        #expect(decoded.map(\.bitPattern) == parameters.map { UInt32(BFloat16Codec.bits(from: $0)) << 16 })
    }

    func push(_ lease: UInt64, worker: UInt64 = 1) -> Wire.LeaseRef { Wire.LeaseRef(leaseID: lease, workerID: worker) }

    /// Values whose fp32 sum depends on the order of addition, repeated over the vector.
    func gradients(count: Int, ranges: [Range<Int>]) -> [BufferGradient] {
        [[1e8, 1, -3, 0.1, 7], [-1e8, 1, 5e-8, 0.2, -7], [1, 1e-8, 3, 0.3, 1e20], [0.5, -1, 1, -0.6, -1e20]]
            .map { pattern in BufferGradient((0..<count).map { pattern[$0 % 5] }, shards: ranges) }
    }

    @Test func theStepSumsPushesInTheGivenOrderWhateverTheArrivalOrder() throws {
        func run(arrival: [Int]) throws -> (moments: [[UInt32]], squares: [Double]) {
            let server = makeServer()
            let count = server.ranges.last!.upperBound
            let g = gradients(count: count, ranges: server.ranges)
            for index in arrival { try server.hold(push(UInt64(index)), shards: server.trainedShardIDs) { _ in g[index] } }
            let squares = try server.reduce(step: 0, leases: (0..<4).map { push(UInt64($0)) }, dropped: [])
            try server.commit(step: 0, scale: 1, learningRate: 0)
            server.store.waitUntilIdle()
            return (server.restingShards().map { $0.firstMoment.array.map(\.bitPattern) }, squares)
        }
        let inOrder = try run(arrival: [0, 1, 2, 3])
        let shuffled = try run(arrival: [3, 1, 0, 2])
        #expect(shuffled.squares == inOrder.squares && shuffled.moments == inOrder.moments)
        // ((((0 + g0) + g1) + g2) + g3) element by element, then Σ g² per shard, written out.
        let server = makeServer()
        let count = server.ranges.last!.upperBound
        let g = gradients(count: count, ranges: server.ranges)
        var sum = [Float](repeating: 0, count: count)
        for gradient in g { for i in 0..<count { sum[i] += gradient.values[i] } }
        let expected = server.ranges.map { range in range.reduce(0.0) { $0 + Double(sum[$1]) * Double(sum[$1]) } }
        for (got, want) in zip(inOrder.squares, expected) { #expect(abs(got - want) <= 1e-9 * max(1, want)) }
        // The order matters for these values: the arrival order would give another sum.
        var arrival = [Float](repeating: 0, count: count)
        for index in [3, 1, 0, 2] { for i in 0..<count { arrival[i] += g[index].values[i] } }
        #expect(arrival.map(\.bitPattern) != sum.map(\.bitPattern))
    }

    @Test func commitAppliesTheScaledSumAndPublishesNewVersions() throws {
        let server = makeServer()
        let count = server.ranges.last!.upperBound
        let before = server.store.snapshots.map { $0.values.array }
        try server.hold(push(1), shards: server.trainedShardIDs) { _ in BufferGradient([Float](repeating: 3, count: count), shards: server.ranges) }
        try server.hold(push(2), shards: server.trainedShardIDs) { _ in BufferGradient([Float](repeating: 1, count: count), shards: server.ranges) }
        let squares = try server.reduce(step: 0, leases: [push(1), push(2)], dropped: [])
        #expect(squares == server.ranges.map { Double($0.count) * 16 })
        try server.commit(step: 0, scale: 0.25, learningRate: 0.01)
        server.store.waitUntilIdle()
        #expect(server.store.versions == [1, 1])
        let states = server.restingShards()
        #expect(states.map(\.state.optimizerSteps) == [1, 1])
        // AdamW's first step moves each parameter by lr·g/(|g| + ε) ≈ lr; m₁ = (1 − β1)·(0.25 · 4).
        for (s, state) in states.enumerated() {
            #expect(abs(state.parameters[0] - (before[s][0] - 0.01)) < 1e-6)
            #expect(abs(state.firstMoment[0] - 0.1) < 1e-7)
        }
    }

    @Test func aPushIsHeldOnceAndNeverAfterItsStep() throws {
        let server = makeServer()
        let gradient = BufferGradient([Float](repeating: 1, count: server.ranges.last!.upperBound), shards: server.ranges)
        try server.hold(push(1), shards: server.trainedShardIDs) { _ in gradient }
        #expect(throws: ShardServerError.duplicatePush(push(1))) { try server.hold(push(1), shards: server.trainedShardIDs) { _ in gradient } }
        try server.hold(push(2), shards: server.trainedShardIDs) { _ in gradient }
        _ = try server.reduce(step: 3, leases: [push(1)], dropped: [push(2)])
        #expect(server.heldCount == 0)
        // A late copy of a reduced or dropped push is refused, not held forever.
        #expect(throws: ShardServerError.duplicatePush(push(1))) { try server.hold(push(1), shards: server.trainedShardIDs) { _ in gradient } }
        #expect(throws: ShardServerError.duplicatePush(push(2))) { try server.hold(push(2), shards: server.trainedShardIDs) { _ in gradient } }
    }

    /// A worker sends each shard's part as the backward pass finishes it: the push counts only once every
    /// trained shard has its part, each shard takes one part, and the parts sum to what the whole push
    /// sums to, bit for bit.
    @Test func aPushHeldInPartsCountsOnlyWholeAndSumsAsTheWholePush() throws {
        let whole = makeServer(), parted = makeServer()
        let count = whole.ranges.last!.upperBound
        let g = gradients(count: count, ranges: whole.ranges)
        for (index, gradient) in g.enumerated() {
            try whole.hold(push(UInt64(index)), shards: whole.trainedShardIDs) { _ in gradient }
            // Shard 1 first, as the backward pass finishes it first; then shard 0.
            try parted.hold(push(UInt64(index)), shards: [1]) { BufferGradient(gradient.values, shards: $0) }
            #expect(!parted.holdsWhole(push(UInt64(index))))
        }
        let leases = (0..<4).map { push(UInt64($0)) }
        #expect(throws: ShardServerError.missingPush(push(0), step: 0)) { _ = try parted.reduce(step: 0, leases: leases, dropped: []) }
        let part0 = { (ranges: [Range<Int>]) in BufferGradient(g[0].values, shards: ranges) }
        #expect(throws: ShardServerError.duplicatePush(push(0))) { try parted.hold(push(0), shards: [1], gradient: part0) }
        for (index, gradient) in g.enumerated() {
            try parted.hold(push(UInt64(index)), shards: [0]) { BufferGradient(gradient.values, shards: $0) }
            #expect(parted.holdsWhole(push(UInt64(index))))
        }
        #expect(try parted.reduce(step: 0, leases: leases, dropped: []) == whole.reduce(step: 0, leases: leases, dropped: []))
        for server in [whole, parted] {
            try server.commit(step: 0, scale: 1, learningRate: 0.01)
            server.store.waitUntilIdle()
        }
        #expect(parted.restingShards().map { $0.parameters.array.map(\.bitPattern) } == whole.restingShards().map { $0.parameters.array.map(\.bitPattern) })
        // A shard not trained here, one named twice, and a part naming none are refused.
        #expect(throws: ShardServerError.notServed(shard: 2, trained: [0, 1])) { try parted.hold(push(7), shards: [2], gradient: part0) }
        #expect(throws: ShardServerError.notServed(shard: 0, trained: [0, 1])) { try parted.hold(push(7), shards: [0, 0], gradient: part0) }
        #expect(throws: ShardServerError.emptyPart(push(7))) { try parted.hold(push(7), shards: [], gradient: part0) }
        #expect(parted.heldCount == 0)
    }

    /// A push made in worker 1's name over another key is held apart: the step, which names worker 1's
    /// key, sums worker 1's own push; dropping the lease forgets both; one key can hold only so many.
    @Test func pushesAreHeldUnderTheKeyTheyCameOverAndAStepUsesOnlyTheNamedKeys() throws {
        let server = makeServer()
        let count = server.ranges.last!.upperBound
        let honest = Wire.LeaseRef(leaseID: 5, workerID: 1, key: "worker-1-key"), forged = Wire.LeaseRef(leaseID: 5, workerID: 1, key: "rogue-key")
        try server.hold(forged, shards: server.trainedShardIDs) { _ in BufferGradient([Float](repeating: 1000, count: count), shards: server.ranges) }
        try server.hold(honest, shards: server.trainedShardIDs) { _ in BufferGradient([Float](repeating: 2, count: count), shards: server.ranges) }
        let squares = try server.reduce(step: 0, leases: [honest], dropped: [])
        #expect(squares == server.ranges.map { Double($0.count) * 4 })
        #expect(server.heldCount == 1)
        try server.commit(step: 0, scale: 1, learningRate: 0.01)
        server.store.waitUntilIdle()

        let gradient = BufferGradient([Float](repeating: 1, count: count), shards: server.ranges)
        try server.hold(Wire.LeaseRef(leaseID: 6, workerID: 1, key: "worker-1-key"), shards: server.trainedShardIDs) { _ in gradient }
        _ = try server.reduce(step: 1, leases: [], dropped: [Wire.LeaseRef(leaseID: 5, workerID: 1), Wire.LeaseRef(leaseID: 6, workerID: 1)])
        #expect(server.heldCount == 0)
        for lease in 0..<UInt64(ShardServer.heldPerKey) {
            try server.hold(Wire.LeaseRef(leaseID: 100 + lease, workerID: 9, key: "rogue-key"), shards: server.trainedShardIDs) { _ in gradient }
        }
        let onceTooMany = Wire.LeaseRef(leaseID: 999, workerID: 9, key: "rogue-key")
        #expect(throws: ShardServerError.tooManyHeld(onceTooMany)) { try server.hold(onceTooMany, shards: server.trainedShardIDs) { _ in gradient } }
        try server.hold(Wire.LeaseRef(leaseID: 999, workerID: 1, key: "worker-1-key"), shards: server.trainedShardIDs) { _ in gradient }
    }

    @Test func aStepNamingAMissingPushOrAnUnreducedStepIsRefused() throws {
        let server = makeServer()
        #expect(throws: ShardServerError.missingPush(push(9), step: 4)) {
            _ = try server.reduce(step: 4, leases: [push(9)], dropped: [])
        }
        #expect(throws: ShardServerError.notReduced(step: 4, reduced: nil)) {
            try server.commit(step: 4, scale: 1, learningRate: 0.1)
        }
        _ = try server.reduce(step: 5, leases: [], dropped: [])
        #expect(throws: ShardServerError.notReduced(step: 4, reduced: 5)) {
            try server.commit(step: 4, scale: 1, learningRate: 0.1)
        }
        #expect(server.store.versions == [0, 0])
    }
}
