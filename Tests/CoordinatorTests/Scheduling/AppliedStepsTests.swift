import Testing
import Shared
@testable import Coordinator

struct AppliedStepsTests {
    /// 6 pairs, batches of 2, 1 batch a step, 2 epochs: steps 0–2 in epoch 0, 3–5 in epoch 1.
    let plan = BatchPlan(pairCount: 6, batchSize: 2, accumulation: 1, epochs: 2)

    func metrics(pairs: Int, loss: Double) throws -> PreferenceMetrics {
        try PreferenceMetrics(pairs: pairs, lossSum: loss, chosenRewardSum: 0, rejectedRewardSum: 0, rankedPairs: pairs,
                              accuratePairs: 1, safeChosenPairs: 0, safeChosenRewardSum: 0, unsafeChosenRewardSum: 0,
                              policyChosenLogProbSum: -4, policyRejectedLogProbSum: -6)
    }

    /// Step `step` of one batch (`batch`), its push carrying `tokens` tokens, reduced to `norm`.
    func committed(step: Int, batch: Int, tokens: Int, norm: Double, staleness: Int = 0) throws -> StepPipeline.Applying {
        var pipeline = StepPipeline(firstStep: step)
        pipeline.beginGathering(batches: nil, count: 1)
        pipeline.gathering.add(batch: batch, push: Wire.LeaseRef(leaseID: 9, workerID: 1), metrics: try metrics(pairs: 2, loss: 3),
                               tokens: tokens, staleness: staleness)
        pipeline.closeGathering()
        _ = pipeline.startApplying { _ in 0.25 }
        pipeline.reduced(norm: norm)
        return pipeline.finishApplying()
    }

    /// A step's line carries its metrics' means beside the figures of the step, tokens/s measured from the
    /// clock's start or the step before.
    @Test func aStepsLineCarriesItsMeansNormRateAndStaleness() throws {
        var applied = AppliedSteps(resume: nil)
        applied.startClock(now: 10)
        applied.startClock(now: 11)
        let line = applied.record(try committed(step: 0, batch: 0, tokens: 300, norm: 1.5, staleness: 2), plan: plan,
                                  objective: .bfpo, workers: 3, now: 12)
        #expect(line["loss"] == 1.5 && line["logps/chosen"] == -2 && line["rewards/accuracies"] == 0.5)
        #expect(line["epoch"] == 1.0 / 3 && line["learning_rate"] == 0.25 && line["grad_norm"] == 1.5)
        #expect(line["tokens_per_second"] == 150 && line["staleness_mean"] == 2 && line["staleness_max"] == 2 && line["workers"] == 3)
        #expect(applied.count == 1 && applied.tokensSeen == 300 && applied.batches == [0] && applied.lastMetrics == line)
        let next = applied.record(try committed(step: 1, batch: 1, tokens: 100, norm: 1, staleness: 0), plan: plan,
                                  objective: .bfpo, workers: 3, now: 14)
        #expect(next["tokens_per_second"] == 50 && applied.totals.steps == 2 && applied.totals.meanLoss == 1.5 && applied.totals.tokens == 400)
    }

    /// A checkpoint's `completedBatches` are those of the next step's epoch: they are forgotten once the
    /// epoch's last step is applied.
    @Test func theBatchesOfAnEpochAreForgottenWhenTheNextBegins() throws {
        var applied = AppliedSteps(resume: nil)
        for step in 0..<3 {
            _ = applied.record(try committed(step: step, batch: step, tokens: 1, norm: 1), plan: plan, objective: .bfpo, workers: 1, now: 1)
        }
        #expect(applied.count == 3 && applied.batches.isEmpty && applied.tokensSeen == 3)
        _ = applied.record(try committed(step: 3, batch: 3, tokens: 1, norm: 1), plan: plan, objective: .bfpo, workers: 1, now: 2)
        #expect(applied.batches == [3])
    }

    /// A resumed run counts on from its checkpoint; its first line's tokens/s is 0 with no clock started.
    @Test func aResumedRunCountsOnFromItsCheckpoint() throws {
        let state = TrainingState(
            runID: "run", step: 4, totalSteps: 6, epoch: 1, orderSeed: 9, position: 2, completedBatches: [3], random: RandomGenerator(seed: 1),
            shards: [], pairs: 6, batchSize: 2, accumulation: 1, epochs: 2, tokensSeen: 70)
        var applied = AppliedSteps(resume: state)
        #expect(applied.count == 4 && applied.tokensSeen == 70 && applied.batches == [3] && applied.totals.steps == 0)
        let line = applied.record(try committed(step: 4, batch: 4, tokens: 5, norm: 1), plan: plan, objective: .bfpo, workers: 1, now: 3)
        #expect(line["tokens_per_second"] == 0 && applied.count == 5 && applied.tokensSeen == 75 && applied.batches == [3, 4])
    }
}
