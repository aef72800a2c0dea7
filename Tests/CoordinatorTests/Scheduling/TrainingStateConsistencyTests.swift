import Testing
@testable import Shared
@testable import Coordinator

/// The checks a resume makes of a recorded state: a consistent one passes, and each way an edit or a
/// faulty writer could break it is refused with the reason.
struct TrainingStateConsistencyTests {
    /// 10 pairs in batches of 3 (4 batches an epoch: 3, 3, 3, 1 pairs), 2 batches a step, 2 epochs: 4 steps.
    let plan = BatchPlan(pairCount: 10, batchSize: 3, accumulation: 2, epochs: 2)
    /// Trained, frozen, trained.
    let frozen = [false, true, false]

    /// After step 3 of 4: epoch 1, whose first step (batches 4 and 5, 6 pairs) is applied.
    func consistent() -> TrainingState {
        TrainingState(
            runID: "run-1", step: 3, totalSteps: 4, epoch: 1, orderSeed: 9, position: 6, completedBatches: [4, 5],
            random: RandomGenerator(seed: 1),
            shards: [.init(offset: 0, count: 5, version: 3, optimizerSteps: 3), .init(offset: 5, count: 5, version: 0, optimizerSteps: 0),
                     .init(offset: 10, count: 5, version: 3, optimizerSteps: 3)],
            pairs: 10, batchSize: 3, accumulation: 2, epochs: 2, tokensSeen: 120)
    }

    @Test func aConsistentStatePasses() throws {
        try consistent().checkConsistency(plan: plan, frozen: frozen)
        var start = consistent()
        (start.step, start.epoch, start.position, start.completedBatches) = (0, 0, 0, [])
        start.shards = start.shards.map { .init(offset: $0.offset, count: $0.count, version: 0, optimizerSteps: 0) }
        try start.checkConsistency(plan: plan, frozen: frozen)
    }

    @Test(arguments: [
        ("step past the plan", { (s: inout TrainingState) in s.step = 5 }, "step 5 of 4"),
        ("another total", { (s: inout TrainingState) in s.totalSteps = 6 }, "does not fit the plan's 4 steps"),
        ("another epoch", { (s: inout TrainingState) in s.epoch = 0 }, "epoch 0 is not the epoch of step 3 (1)"),
        ("a batch of another epoch", { (s: inout TrainingState) in s.completedBatches = [3, 4] }, "are not distinct batches of epoch 1"),
        ("a repeated batch", { (s: inout TrainingState) in s.completedBatches = [4, 4] }, "are not distinct batches of epoch 1"),
        ("another position", { (s: inout TrainingState) in s.position = 7 }, "position 7 is not the 6 pairs"),
        ("a trained shard behind", { (s: inout TrainingState) in s.shards[2].version = 2 }, "shard 2 is at version 2 after 3 AdamW steps"),
        ("a trained shard's AdamW count", { (s: inout TrainingState) in s.shards[0].optimizerSteps = 4 }, "shard 0 is at version 3 after 4"),
        ("a frozen shard moved", { (s: inout TrainingState) in s.shards[1].version = 3 }, "a frozen shard at step 3 has 0 and 0"),
        ("negative tokens", { (s: inout TrainingState) in s.tokensSeen = -1 }, "tokens seen is -1"),
    ] as [(String, @Sendable (inout TrainingState) -> Void, String)])
    func anInconsistentStateIsRefusedWithTheReason(what: String, edit: @Sendable (inout TrainingState) -> Void, reason: String) {
        var state = consistent()
        edit(&state)
        do {
            try state.checkConsistency(plan: plan, frozen: frozen)
            Issue.record("\(what) was accepted")
        } catch {
            #expect(error.description.contains(reason), "\(what): \(error.description)")
        }
    }
}
