import Testing
import Shared
@testable import Coordinator

struct StepPipelineTests {
    func push(_ lease: UInt64) -> Wire.LeaseRef { Wire.LeaseRef(leaseID: lease, workerID: 7) }

    /// Gathers a synchronous step of `batches`, each pushed by the lease of the same number + 100.
    func gather(_ pipeline: inout StepPipeline, _ batches: [Int]) {
        pipeline.beginGathering(batches: batches, count: batches.count)
        for batch in batches.reversed() {
            pipeline.gathering.add(batch: batch, push: push(UInt64(100 + batch)), metrics: PreferenceMetrics(), tokens: 1, staleness: 0)
        }
        pipeline.closeGathering()
    }

    @Test func stepsAreAppliedOneAtATimeInOrder() {
        var pipeline = StepPipeline(firstStep: 5)
        #expect(pipeline.gatheringStep == 5 && !pipeline.isBusy)
        #expect(pipeline.startApplying { _ in 0.5 } == nil)
        gather(&pipeline, [0, 1])
        gather(&pipeline, [2, 3])
        #expect(pipeline.gatheringStep == 7 && pipeline.isBusy)

        let first = pipeline.startApplying { Double($0) / 10 }
        #expect(first?.step == 5)
        #expect(first?.pushes == [push(100), push(101)])
        #expect(pipeline.applying?.learningRate == 0.5)
        #expect(pipeline.startApplying { _ in 0 } == nil, "one step at a time")

        pipeline.reduced(norm: 2.5)
        let applied = pipeline.finishApplying()
        #expect(applied.step == 5 && applied.norm == 2.5 && applied.accumulator.batches.sorted() == [0, 1])
        #expect(pipeline.applying == nil && pipeline.isBusy, "step 6 is still queued")

        #expect(pipeline.startApplying { _ in 0 }?.pushes == [push(102), push(103)])
        _ = pipeline.finishApplying()
        #expect(!pipeline.isBusy)
    }

    @Test func droppedPushesGoOnceWithTheNextStepAndNeverBesideACountedOne() {
        var pipeline = StepPipeline(firstStep: 0)
        pipeline.drop(push(9))
        pipeline.drop(push(9))
        pipeline.drop(push(100))     // a refused duplicate of a push the step counts
        gather(&pipeline, [0])
        pipeline.drop(push(8))       // after the step closed: still goes with it
        let handover = pipeline.startApplying { _ in 0 }
        #expect(handover?.pushes == [push(100)])
        #expect(handover?.dropped == [push(9), push(8)])
        _ = pipeline.finishApplying()
        gather(&pipeline, [1])
        #expect(pipeline.startApplying { _ in 0 }?.dropped == [], "each dropped push goes once")
    }
}

struct EpochOrderTests {
    @Test func aResumeFromAnEpochsSeedDrawsTheSameLaterOrders() {
        var run = EpochOrder(pairCount: 50, seed: 42)
        #expect(run.epoch == 0 && run.order.sorted() == Array(0..<50))
        let first = run.order
        let (seed0, random0) = run.seed(of: 0)
        #expect(first == DatasetOrder.permutation(count: 50, seed: seed0))

        run.start(1, oldestNeeded: 0)
        #expect(run.epoch == 1 && run.order != first)
        #expect(run.seed(of: 0).seed == seed0, "epoch 0 is still needed")
        run.start(2, oldestNeeded: 1)
        let third = run.order

        // A checkpoint written while epoch 0's steps were applied: its orders follow the same way.
        var resumed = EpochOrder(pairCount: 50, epoch: 0, seed: seed0, random: random0)
        #expect(resumed.order == first)
        resumed.start(1, oldestNeeded: 0)
        resumed.start(2, oldestNeeded: 1)
        #expect(resumed.order == third)
    }

    @Test func forgottenOrUnstartedEpochsAnswerWithTheEpochBeingGathered() {
        var run = EpochOrder(pairCount: 10, seed: 1)
        let seed0 = run.seed(of: 0).seed
        run.start(1, oldestNeeded: 1)
        let seed1 = run.seed(of: 1).seed
        #expect(seed1 != seed0)
        #expect(run.seed(of: 0).seed == seed1, "epoch 0 was forgotten")
        #expect(run.seed(of: 5).seed == seed1, "epoch 5 was not started")
    }
}
