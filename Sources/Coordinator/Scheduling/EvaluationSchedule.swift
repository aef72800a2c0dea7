import Shared

/// Evaluation during training as the coordinator leases it (docs/evaluation.md, "During training"): the
/// plan, the open round, and the ledger of its eval batches.
///
/// The ledger lives across rounds, so an eval lease id is never handed out twice, and its ids start 2^31
/// above the training ledger's, so the two never share one (a run hands out far fewer than 2^31 training
/// leases): a late push of an earlier round's lease is refused, never counted in a later round.
struct EvaluationSchedule {
    let plan: EvaluationPlan
    private(set) var ledger: LeaseLedger
    /// The evaluation in progress: while it is open no step is applied and only eval batches are leased.
    private(set) var round: EvaluationRound?

    init(plan: EvaluationPlan, firstLeaseID: UInt64) {
        self.plan = plan
        ledger = LeaseLedger(firstLeaseID: firstLeaseID)
    }

    /// Opens a round of the policy after `step` optimizer steps, at the published `versions`.
    mutating func open(step: Int, versions: [UInt64]) {
        round = EvaluationRound(step: step, versions: versions, batches: plan.batchCount)
        ledger.reset()
        ledger.add(0..<plan.batchCount)
    }

    /// The open round's next eval batch for `worker`, the round, and the batch's positions in `plan.pairs`;
    /// nil when no round is open or every batch is leased.
    mutating func lease(to worker: UInt64, now: Double, duration: Double)
        -> (lease: LeaseLedger.Lease, round: EvaluationRound, pairs: Range<Int>)? {
        guard round != nil, let lease = ledger.lease(to: worker, now: now, duration: duration) else { return nil }
        round!.leased(now: now)
        return (lease, round!, plan.range(ofBatch: lease.batch))
    }

    /// What became of an eval push.
    enum Outcome {
        /// Counted; the round goes on.
        case recorded
        /// Counted, and it was the round's last batch: the round, now closed.
        case completed(EvaluationRound)
        /// Not counted; the lease stays as it was.
        case refused(String)
        /// Not counted, computed on other versions than the round's: the batch is leased again.
        case leasedAgain(String)
    }

    /// An eval lease's metric sums, computed on `versions`: counted once, from the leaseholder, for a batch
    /// of the open round.
    mutating func record(lease id: UInt64, batch: Int, worker: UInt64, versions: [UInt64], metrics: PreferenceMetrics) -> Outcome {
        guard let open = round else { return .refused("lease \(id) is not a live eval lease") }
        do {
            _ = try ledger.check(lease: id, batch: batch, worker: worker)
        } catch {
            return .refused(error.description)
        }
        let expectedPairs = plan.range(ofBatch: batch).count
        guard metrics.pairs == expectedPairs else {
            return .refused("eval push for batch \(batch) reports \(metrics.pairs) pairs, the batch has \(expectedPairs)")
        }
        guard versions == open.versions else {
            ledger.release(lease: id)
            return .leasedAgain("eval push for batch \(batch) was computed on versions \(versions), not the evaluated \(open.versions); the batch is leased again")
        }
        try! ledger.complete(lease: id, batch: batch, worker: worker)
        round!.record(batch: batch, metrics: metrics)
        guard ledger.isDrained, let closed = round else { return .recorded }
        round = nil
        return .completed(closed)
    }

    /// Gives up the open round: returns it with the ids of its live leases, whose pushes will be refused.
    mutating func abandon() -> (round: EvaluationRound, leases: [UInt64])? {
        guard let open = round else { return nil }
        let leases = ledger.leases.values.map(\.id)
        ledger.reset()
        round = nil
        return (open, leases)
    }

    mutating func expire(now: Double) -> [LeaseLedger.Lease] { ledger.expire(now: now) }
    mutating func revoke(worker: UInt64) -> [LeaseLedger.Lease] { ledger.revoke(worker: worker) }
    mutating func postpone(by seconds: Double) { ledger.postpone(by: seconds) }
}
