/// What this coordinator process trained, for the summary at the end of a run: the mean train loss over
/// its steps (not the last step's, which says little with small batches) and its throughput.
struct TrainingTotals: Equatable {
    private(set) var steps = 0
    private(set) var lossSum = 0.0
    private(set) var pairs = 0
    private(set) var tokens = 0

    mutating func add(stepLoss loss: Double?, pairs: Int, tokens: Int) {
        steps += 1
        lossSum += loss ?? 0
        self.pairs += pairs
        self.tokens += tokens
    }

    /// The mean of the steps' losses; nil before the first step.
    var meanLoss: Double? { steps > 0 ? lossSum / Double(steps) : nil }
}
