import Testing
import Shared
@testable import Coordinator

struct EvaluationScheduleTests {
    func makeSchedule() throws -> EvaluationSchedule {
        let pairs = try (0..<3).map { i in
            try TokenizedPair(chosenIDs: [1, 2 + i, 3], chosenMask: [false, true, true], rejectedIDs: [1, 7],
                              rejectedMask: [false, true], chosenSafe: true, rejectedSafe: false,
                              source: RowLocation(file: "eval", line: i + 1))
        }
        let plan = EvaluationPlan(pairs: pairs, batchSize: 2, strategy: .steps, everySteps: 1, stepsPerEpoch: 4, totalSteps: 4)
        return EvaluationSchedule(plan: plan, firstLeaseID: 1 << 31)
    }

    func metrics(pairs: Int, loss: Double) throws -> PreferenceMetrics {
        try PreferenceMetrics(pairs: pairs, lossSum: loss, chosenRewardSum: 0, rejectedRewardSum: 0, rankedPairs: pairs,
                              accuratePairs: 0, safeChosenPairs: 0, safeChosenRewardSum: 0, unsafeChosenRewardSum: 0,
                              policyChosenLogProbSum: 0, policyRejectedLogProbSum: 0)
    }

    /// A round closes with its last batch, its sums merged in batch order; a push on other versions puts
    /// the batch back; and a lease of a round before is never counted in the next, whose ids are new.
    @Test func aRoundClosesWithItsLastBatchAndALeaseOfAnEarlierRoundNeverCounts() throws {
        var schedule = try makeSchedule()
        let beforeOpening = schedule.lease(to: 1, now: 0, duration: 10)
        #expect(beforeOpening == nil)
        schedule.open(step: 2, versions: [2, 2])
        let firstLeased = schedule.lease(to: 1, now: 1, duration: 10)
        let first = try #require(firstLeased)
        let secondLeased = schedule.lease(to: 2, now: 1, duration: 10)
        let second = try #require(secondLeased)
        #expect(first.pairs == 0..<2 && second.pairs == 2..<3 && first.round.step == 2 && first.round.versions == [2, 2])
        let noneLeft = schedule.lease(to: 3, now: 1, duration: 10)
        #expect(noneLeft == nil)

        guard case .leasedAgain = schedule.record(lease: second.lease.id, batch: 1, worker: 2, versions: [1, 2],
                                                  metrics: try metrics(pairs: 1, loss: 5)) else { throw Failure() }
        let againLeased = schedule.lease(to: 2, now: 2, duration: 10)
        let again = try #require(againLeased)
        #expect(again.lease.batch == 1 && again.lease.id != second.lease.id)
        guard case .refused(let reason) = schedule.record(lease: first.lease.id, batch: 0, worker: 1, versions: [2, 2],
                                                          metrics: try metrics(pairs: 1, loss: 1)) else { throw Failure() }
        #expect(reason == "eval push for batch 0 reports 1 pairs, the batch has 2")
        guard case .recorded = schedule.record(lease: first.lease.id, batch: 0, worker: 1, versions: [2, 2],
                                               metrics: try metrics(pairs: 2, loss: 3)) else { throw Failure() }
        guard case .completed(let round) = schedule.record(lease: again.lease.id, batch: 1, worker: 2, versions: [2, 2],
                                                           metrics: try metrics(pairs: 1, loss: 4)) else { throw Failure() }
        #expect(round.step == 2 && round.total?.pairs == 3 && round.total?.means(prefix: "", objective: .bfpo)["loss"] == 7.0 / 3)
        let line = round.line(objective: .bfpo, stepsPerEpoch: 4)
        #expect(line?["eval_loss"] == 7.0 / 3 && line?["eval_pairs"] == 3 && line?["epoch"] == 0.5 && line?["loss"] == nil)
        #expect(schedule.round == nil)

        schedule.open(step: 3, versions: [3, 3])
        let nextLeased = schedule.lease(to: 1, now: 3, duration: 10)
        let next = try #require(nextLeased)
        #expect(![first.lease.id, second.lease.id, again.lease.id].contains(next.lease.id))
        guard case .refused = schedule.record(lease: first.lease.id, batch: 0, worker: 1, versions: [3, 3],
                                              metrics: try metrics(pairs: 2, loss: 3)) else { throw Failure() }
        let abandonment = schedule.abandon()
        let abandoned = try #require(abandonment)
        #expect(abandoned.round.step == 3 && abandoned.leases == [next.lease.id] && schedule.round == nil)
    }

    struct Failure: Error {}
}
