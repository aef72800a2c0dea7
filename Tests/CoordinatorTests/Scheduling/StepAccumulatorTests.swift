import Testing
import Shared
@testable import Coordinator

struct StepAccumulatorTests {
    func push(_ lease: UInt64) -> Wire.LeaseRef { Wire.LeaseRef(leaseID: lease, workerID: 7) }

    @Test func synchronousStepOrdersItsPushesByBatchWhateverTheArrivalOrder() {
        func run(_ arrival: [Int]) -> [Wire.LeaseRef] {
            let accumulator = StepAccumulator()
            accumulator.begin(batches: [10, 11, 12, 13], count: 4)
            for index in arrival {
                #expect(!accumulator.isComplete)
                accumulator.add(batch: 10 + index, push: push(UInt64(100 + index)), metrics: PreferenceMetrics(), tokens: 1, staleness: 0)
            }
            #expect(accumulator.isComplete)
            return accumulator.pushes
        }
        let expected = [100, 101, 102, 103].map { push(UInt64($0)) }
        #expect(run([0, 1, 2, 3]) == expected)
        #expect(run([3, 1, 0, 2]) == expected)
        #expect(run([2, 3, 1, 0]) == expected)
    }

    /// Only a synchronous step's first batch may be carried, and only by its second: the servers' sum
    /// (0 + (g0 + g1)) + g2 is then the one they form from separate pushes.
    @Test func aStepsFirstBatchCarriedByItsSecondCountsWithoutAPushOfItsOwn() {
        let accumulator = StepAccumulator()
        accumulator.begin(batches: [4, 5, 6], count: 3)
        #expect(accumulator.accepts(carried: 4, by: 5))
        #expect(!accumulator.accepts(carried: 5, by: 6))
        #expect(!accumulator.accepts(carried: 4, by: 6))
        #expect(!accumulator.accepts(carried: 5, by: 4))
        accumulator.add(batch: 6, push: push(3), metrics: PreferenceMetrics(), tokens: 1, staleness: 0)
        accumulator.add(batch: 4, push: nil, metrics: PreferenceMetrics(), tokens: 2, staleness: 0)
        #expect(!accumulator.accepts(carried: 4, by: 5))
        accumulator.add(batch: 5, push: push(2), metrics: PreferenceMetrics(), tokens: 3, staleness: 0)
        #expect(accumulator.isComplete && accumulator.tokens == 6)
        #expect(accumulator.pushes == [push(2), push(3)])
        #expect(accumulator.batches.sorted() == [4, 5, 6])

        let asynchronous = StepAccumulator()
        asynchronous.begin(batches: nil, count: 2)
        #expect(!asynchronous.accepts(carried: 0, by: 1))
    }

    @Test func onlyTheStepsOwnBatchesAreAcceptedOnce() {
        let accumulator = StepAccumulator()
        accumulator.begin(batches: [4, 5], count: 2)
        #expect(!accumulator.accepts(batch: 6))
        accumulator.add(batch: 5, push: push(1), metrics: PreferenceMetrics(), tokens: 3, staleness: 0)
        #expect(!accumulator.accepts(batch: 5))
        #expect(accumulator.accepts(batch: 4))
        #expect(!accumulator.isComplete && accumulator.tokens == 3)
    }

    @Test func asynchronousStepTakesAnyBatchesUpToItsCountInArrivalOrder() {
        let accumulator = StepAccumulator()
        accumulator.begin(batches: nil, count: 2)
        accumulator.add(batch: 9, push: push(1), metrics: PreferenceMetrics(), tokens: 1, staleness: 2)
        accumulator.add(batch: 3, push: push(2), metrics: PreferenceMetrics(), tokens: 1, staleness: 0)
        #expect(accumulator.isComplete && !accumulator.accepts(batch: 4))
        #expect(accumulator.batches == [9, 3])
        #expect(accumulator.pushes == [push(1), push(2)])
        #expect(accumulator.staleness == [2, 0])
        #expect(accumulator.tokens == 2)
    }

    @Test func beginForgetsThePreviousStep() {
        let accumulator = StepAccumulator()
        accumulator.begin(batches: [0], count: 1)
        accumulator.add(batch: 0, push: push(1), metrics: PreferenceMetrics(), tokens: 4, staleness: 0)
        accumulator.begin(batches: [1], count: 1)
        #expect(accumulator.pushes.isEmpty && accumulator.tokens == 0 && accumulator.staleness.isEmpty)
        #expect(accumulator.accepts(batch: 1) && !accumulator.accepts(batch: 0))
    }
}
