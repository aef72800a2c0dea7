import Testing
import Shared
@testable import Coordinator

/// A gradient held in a plain buffer, as the in-process tests push it.
final class BufferGradient: GradientContribution {
    let values: [Float]
    let shards: [Range<Int>]
    init(_ values: [Float], shards: [Range<Int>]) {
        self.values = values
        self.shards = shards
    }
    func withShard<R>(_ index: Int, _ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try values.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[shards[index]])) }
    }
}

struct StepAccumulatorTests {
    let shards = [0..<3, 3..<5]

    /// Values whose fp32 sum depends on the order of addition.
    func gradients() -> [BufferGradient] {
        [[1e8, 1, -3, 0.1, 7], [-1e8, 1, 5e-8, 0.2, -7], [1, 1e-8, 3, 0.3, 1e20], [0.5, -1, 1, -0.6, -1e20]]
            .map { BufferGradient($0, shards: shards) }
    }

    @Test func synchronousStepSumsInBatchOrderWhateverTheArrivalOrder() {
        let g = gradients()
        func run(_ arrival: [Int]) -> [UInt32] {
            let accumulator = StepAccumulator(shards: shards, parameterCount: 5)
            accumulator.begin(batches: [10, 11, 12, 13], count: 4)
            for index in arrival {
                #expect(!accumulator.isComplete)
                accumulator.add(batch: 10 + index, gradient: g[index], metrics: PreferenceMetrics(), tokens: 1, staleness: 0)
            }
            #expect(accumulator.isComplete)
            #expect(accumulator.batches == [10, 11, 12, 13])
            return accumulator.sum.array.map(\.bitPattern)
        }
        let inOrder = run([0, 1, 2, 3])
        // ((((0 + g0) + g1) + g2) + g3) element by element, written out.
        var expected = [Float](repeating: 0, count: 5)
        for gradient in g { for i in 0..<5 { expected[i] += gradient.values[i] } }
        #expect(inOrder == expected.map(\.bitPattern))
        #expect(run([3, 1, 0, 2]) == inOrder)
        #expect(run([2, 3, 1, 0]) == inOrder)
        // The order matters for these values: an arrival-order sum would differ.
        var arrival = [Float](repeating: 0, count: 5)
        for index in [3, 1, 0, 2] { for i in 0..<5 { arrival[i] += g[index].values[i] } }
        #expect(arrival.map(\.bitPattern) != inOrder)
    }

    @Test func onlyTheStepsOwnBatchesAreAcceptedOnce() {
        let accumulator = StepAccumulator(shards: shards, parameterCount: 5)
        accumulator.begin(batches: [4, 5], count: 2)
        #expect(!accumulator.accepts(batch: 6))
        accumulator.add(batch: 5, gradient: gradients()[0], metrics: PreferenceMetrics(), tokens: 3, staleness: 0)
        #expect(!accumulator.accepts(batch: 5))
        #expect(accumulator.accepts(batch: 4))
        #expect(accumulator.added == 0)  // batch 5 waits for batch 4
    }

    @Test func asynchronousStepTakesAnyBatchesUpToItsCount() {
        let accumulator = StepAccumulator(shards: shards, parameterCount: 5)
        accumulator.begin(batches: nil, count: 2)
        accumulator.add(batch: 9, gradient: gradients()[2], metrics: PreferenceMetrics(), tokens: 1, staleness: 2)
        accumulator.add(batch: 3, gradient: gradients()[0], metrics: PreferenceMetrics(), tokens: 1, staleness: 0)
        #expect(accumulator.isComplete && !accumulator.accepts(batch: 4))
        #expect(accumulator.batches == [9, 3])
        #expect(accumulator.staleness == [2, 0])
        #expect(accumulator.tokens == 2)
    }
}
