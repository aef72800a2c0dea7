import Shared

/// Gathers one optimizer step: which pushes make it and in which order, with their metrics and staleness.
/// The gradients themselves stay on the shard servers, which sum them in `pushes` order; a batch whose
/// gradient another batch's push carries (`CarriedPushes`) counts with no push of its own.
///
/// A synchronous step (a known set of batches) orders its pushes by batch id whatever the arrival order:
/// floating-point addition is not associative, and this is what makes a run with N workers end
/// bit-identical to a run with one. An asynchronous step keeps the arrival order.
final class StepAccumulator {
    private var expected: Set<Int>?       // sync: the step's batch ids
    private var expectedCount = 0
    private var arrived: [(batch: Int, push: Wire.LeaseRef?, metrics: PreferenceMetrics)] = []
    private(set) var tokens = 0
    private(set) var staleness: [Int] = []

    /// Starts a new step of exactly `batches` (sync, ordered by id) or of `count` batches (async).
    func begin(batches: [Int]?, count: Int) {
        expected = batches.map(Set.init)
        expectedCount = batches?.count ?? count
        arrived.removeAll()
        tokens = 0
        staleness.removeAll()
    }

    /// Every expected push has arrived.
    var isComplete: Bool { arrived.count == expectedCount }

    /// Whether `batch` belongs to this step (always true for async steps until complete).
    func accepts(batch: Int) -> Bool {
        guard arrived.count < expectedCount, !arrived.contains(where: { $0.batch == batch }) else { return false }
        return expected?.contains(batch) ?? true
    }

    /// Whether `carrier`'s push may carry `carried`'s gradient, summed into its own, without changing the
    /// step's sum: in a synchronous step, the step's first batch carried by its second (`CarriedPushes`).
    func accepts(carried: Int, by carrier: Int) -> Bool {
        guard let expected, expected.count >= 2, accepts(batch: carried), accepts(batch: carrier) else { return false }
        let order = expected.sorted()
        return carried == order[0] && carrier == order[1]
    }

    /// Counts one batch's push; `push` nil for a batch whose gradient another push carries.
    func add(batch: Int, push: Wire.LeaseRef?, metrics: PreferenceMetrics, tokens: Int, staleness: Int) {
        precondition(accepts(batch: batch), "batch \(batch) does not belong to this step")
        self.tokens += tokens
        self.staleness.append(staleness)
        arrived.append((batch, push, metrics))
    }

    /// The step's metric sums, merged in the order the gradients are summed (so that a synchronous step's
    /// metrics, like its parameters, do not depend on the arrival order).
    var metrics: PreferenceMetrics {
        var sums = PreferenceMetrics()
        for entry in ordered { sums.merge(entry.metrics) }
        return sums
    }

    /// The batches in the step.
    var batches: [Int] { arrived.map(\.batch) }

    /// The pushes in the order their gradients are summed: by batch id in a sync step, as they arrived
    /// otherwise.
    var pushes: [Wire.LeaseRef] { ordered.compactMap(\.push) }

    private var ordered: [(batch: Int, push: Wire.LeaseRef?, metrics: PreferenceMetrics)] {
        expected == nil ? arrived : arrived.sorted { $0.batch < $1.batch }
    }
}
