import Shared

/// A recorded state that contradicts itself or the run's plan, in a sentence.
struct InconsistentState: Error, CustomStringConvertible {
    let description: String
}

extension TrainingState {
    /// Whether the state was made for `plan`: the same pairs, batch size, accumulation and epochs.
    func isMade(for plan: BatchPlan) -> Bool {
        pairs == plan.pairCount && batchSize == plan.batchSize && accumulation == plan.accumulation && epochs == plan.epochs
    }

    /// The parameter ranges of the shards it records.
    var shardRanges: [Range<Int>] { shards.map { $0.offset..<($0.offset + $0.count) } }

    /// Checks what a resumed run relies on beyond the digests: a `state.json` edited by hand and its
    /// digest recomputed, or written by a faulty build, must not resume a run that ends silently
    /// different or waits forever (a synchronous run leases a step only when every trained shard's version
    /// is that step).
    ///
    /// The invariants, from how the coordinator writes a state (`CoordinatorCore.state(shards:)`):
    /// `step` within the plan's steps; `epoch` the epoch of the next step; `completedBatches` ascending,
    /// without repeats, all of that epoch, and `position` the pairs they hold; every trained shard at
    /// version `step` with `step` AdamW steps, every frozen one at 0 and 0.
    func checkConsistency(plan: BatchPlan, frozen: [Bool]) throws(InconsistentState) {
        func fail(_ reason: String) -> InconsistentState { InconsistentState(description: reason) }
        guard totalSteps == plan.totalSteps, (0...plan.totalSteps).contains(step), plan.totalSteps > 0 else {
            throw fail("step \(step) of \(totalSteps) does not fit the plan's \(plan.totalSteps) steps")
        }
        let expectedEpoch = plan.locate(step: min(step, plan.totalSteps - 1)).epoch
        guard epoch == expectedEpoch else { throw fail("epoch \(epoch) is not the epoch of step \(step) (\(expectedEpoch))") }
        let epochBatches = plan.batches(ofEpoch: epoch)
        guard zip(completedBatches, completedBatches.dropFirst()).allSatisfy({ $0 < $1 }),
              completedBatches.allSatisfy({ epochBatches.contains($0) })
        else { throw fail("completed batches \(completedBatches) are not distinct batches of epoch \(epoch) (\(epochBatches))") }
        let pairs = completedBatches.reduce(0) { $0 + plan.positions(ofBatch: $1).positions.count }
        guard position == pairs else { throw fail("position \(position) is not the \(pairs) pairs of the completed batches") }
        guard tokensSeen >= 0 else { throw fail("tokens seen is \(tokensSeen)") }
        guard shards.count == frozen.count else { throw fail("\(shards.count) shards recorded; the run has \(frozen.count)") }
        for (index, (shard, isFrozen)) in zip(shards, frozen).enumerated() {
            let expected = isFrozen ? 0 : step
            guard shard.version == UInt64(expected), shard.optimizerSteps == expected else {
                throw fail("shard \(index) is at version \(shard.version) after \(shard.optimizerSteps) AdamW steps; "
                           + "a \(isFrozen ? "frozen" : "trained") shard at step \(step) has \(expected) and \(expected)")
            }
        }
    }
}
