import Shared

/// What the run has applied: the count of optimizer steps published on every shard, what a checkpoint of
/// them records (tokens seen, the batches already in applied steps of the next step's epoch), and each
/// applied step's metrics line (docs/contracts.md, "Metrics").
///
/// Why one type: these move together, once per step the servers commit, and a resumed run takes them all
/// from its checkpoint's `TrainingState`.
struct AppliedSteps {
    /// Steps applied and published on every shard.
    private(set) var count: Int
    private(set) var tokensSeen: Int
    /// Batches in applied steps of the epoch of the next step to apply (a checkpoint's `completedBatches`).
    private(set) var batches: Set<Int>
    /// The metrics of the last applied step (the run's final summary reports them).
    private(set) var lastMetrics: [String: Double] = [:]
    /// What this process trained (a resumed run counts from its resume).
    private(set) var totals = TrainingTotals()
    /// When the last step was published (or the first gradient lease went out): tokens/s is measured
    /// from there.
    private var lastTime: Double?

    /// Nothing applied, or what `resume` records.
    init(resume: TrainingState?) {
        count = resume?.step ?? 0
        tokensSeen = resume?.tokensSeen ?? 0
        batches = Set(resume?.completedBatches ?? [])
    }

    /// Starts the clock of the first step's tokens/s, if it is not running.
    mutating func startClock(now: Double) {
        if lastTime == nil { lastTime = now }
    }

    /// Counts `step`, committed now, and returns its metrics line: the means of its pushes' metrics
    /// (`PreferenceMetrics.means`) beside `epoch`, `learning_rate`, `grad_norm`, `tokens_per_second`,
    /// `staleness_mean`, `staleness_max` and `workers`.
    mutating func record(_ step: StepPipeline.Applying, plan: BatchPlan, objective: ObjectiveKind, workers: Int, now: Double) -> [String: Double] {
        let accumulator = step.accumulator
        count = step.step + 1
        tokensSeen += accumulator.tokens
        batches.formUnion(accumulator.batches)
        if count < plan.totalSteps {
            let nextEpoch = plan.locate(step: count).epoch
            batches = batches.filter { plan.positions(ofBatch: $0).epoch == nextEpoch }
        }
        var values = accumulator.metrics.means(objective: objective)
        values["epoch"] = Double(count) / Double(plan.stepsPerEpoch)
        values["learning_rate"] = step.learningRate
        values["grad_norm"] = step.norm!
        let elapsed = lastTime.map { now - $0 } ?? 0
        values["tokens_per_second"] = elapsed > 0 ? Double(accumulator.tokens) / elapsed : 0
        values["staleness_mean"] = Double(accumulator.staleness.reduce(0, +)) / Double(max(1, accumulator.staleness.count))
        values["staleness_max"] = Double(accumulator.staleness.max() ?? 0)
        values["workers"] = Double(workers)
        lastTime = now
        lastMetrics = values
        totals.add(stepLoss: values["loss"], pairs: accumulator.metrics.pairs, tokens: accumulator.tokens)
        return values
    }
}
