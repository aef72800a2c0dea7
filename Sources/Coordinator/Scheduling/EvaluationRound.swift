import Shared

/// One evaluation of the policy at one step: the versions every eval lease carries and the metric sums
/// of the eval batches returned so far.
///
/// While a round is open the coordinator applies no step, so the published versions stay `versions` and
/// every batch is computed on the same parameters. Sums are merged in batch order once all are in, so
/// the line does not depend on which worker returned which batch when.
struct EvaluationRound {
    /// Optimizer steps applied when the round began.
    let step: Int
    /// The policy's shard versions at `step`, which every eval push must name.
    let versions: [UInt64]
    /// When the first eval batch was leased (the round's duration is measured from there).
    private(set) var startedAt: Double?
    private var results: [PreferenceMetrics?]

    init(step: Int, versions: [UInt64], batches: Int) {
        self.step = step
        self.versions = versions
        results = [PreferenceMetrics?](repeating: nil, count: batches)
    }

    mutating func leased(now: Double) {
        if startedAt == nil { startedAt = now }
    }

    mutating func record(batch: Int, metrics: PreferenceMetrics) {
        results[batch] = metrics
    }

    /// The round's line in `metrics.jsonl` (docs/evaluation.md, "During training"): the means of `total`
    /// with the `eval_` prefix, `eval_pairs`, and the `epoch` of `step`; nil while a batch is missing.
    func line(objective: ObjectiveKind, stepsPerEpoch: Int) -> [String: Double]? {
        guard let sums = total else { return nil }
        var values = sums.means(prefix: "eval_", objective: objective)
        values["eval_pairs"] = Double(sums.pairs)
        values["epoch"] = Double(step) / Double(stepsPerEpoch)
        return values
    }

    /// The sums over every batch, merged in batch order; nil while a batch is missing.
    var total: PreferenceMetrics? {
        var sums = PreferenceMetrics()
        for result in results {
            guard let result else { return nil }
            sums.merge(result)
        }
        return sums
    }
}
