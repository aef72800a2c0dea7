import Dispatch
import Shared

/// One batch's gradient as it arrived: one fp32 range per shard, readable in place (a received ZeroMQ
/// frame, or an in-process buffer in tests). Held, not copied, when it arrives ahead of its turn.
protocol GradientContribution: AnyObject {
    /// Calls `body` with shard `index`'s gradient; valid only inside `body`.
    func withShard<R>(_ index: Int, _ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R
}

/// Sums the gradients of one optimizer step, with their metrics and staleness.
///
/// Synchronous steps (a known set of batches) add in batch-id order whatever the arrival order, holding
/// early arrivals until their turn: floating-point addition is not associative, and this is what makes
/// a run with N workers end bit-identical to a run with one. Asynchronous steps add in arrival order.
/// Shards are summed in parallel; each shard's sum is independent, so parallelism changes no bits.
final class StepAccumulator {
    let shards: [Range<Int>]
    /// (P) Σ of the contributions added so far.
    let sum: FloatBuffer
    private var expected: [Int]?          // sync: the step's batch ids, ascending
    private var expectedCount = 0
    private var nextIndex = 0
    private var held: [Int: GradientContribution] = [:]
    private(set) var added = 0
    private(set) var metrics = PreferenceMetrics()
    private(set) var tokens = 0
    private(set) var staleness: [Int] = []
    private(set) var batches: [Int] = []

    init(shards: [Range<Int>], parameterCount: Int) {
        self.shards = shards
        sum = FloatBuffer(count: parameterCount)
    }

    /// Starts a new step of exactly `batches` (sync, added in id order) or of `count` batches (async).
    func begin(batches: [Int]?, count: Int) {
        sum.zero()
        expected = batches?.sorted()
        expectedCount = batches?.count ?? count
        nextIndex = 0
        held.removeAll()
        added = 0
        metrics = PreferenceMetrics()
        tokens = 0
        staleness.removeAll()
        self.batches.removeAll()
    }

    /// Every expected contribution has been added.
    var isComplete: Bool { added == expectedCount }

    /// Whether `batch` belongs to this step (always true for async steps until complete).
    func accepts(batch: Int) -> Bool {
        guard let expected else { return added + held.count < expectedCount }
        return expected.contains(batch) && !batches.contains(batch) && held[batch] == nil
    }

    /// Takes one batch's gradient; in a sync step it is held until every lower batch id is in.
    func add(batch: Int, gradient: GradientContribution, metrics: PreferenceMetrics, tokens: Int, staleness: Int) {
        precondition(accepts(batch: batch), "batch \(batch) does not belong to this step")
        self.metrics.merge(metrics)
        self.tokens += tokens
        self.staleness.append(staleness)
        guard let expected else {
            accumulate(gradient, batch: batch)
            return
        }
        held[batch] = gradient
        while nextIndex < expected.count, let next = held.removeValue(forKey: expected[nextIndex]) {
            accumulate(next, batch: expected[nextIndex])
            nextIndex += 1
        }
    }

    private func accumulate(_ gradient: GradientContribution, batch: Int) {
        let target = sum.pointer
        let shards = self.shards
        DispatchQueue.concurrentPerform(iterations: shards.count) { s in
            gradient.withShard(s) { values in
                let destination = target + shards[s].lowerBound
                for i in 0..<values.count { destination[i] += values[i] }
            }
        }
        added += 1
        batches.append(batch)
    }
}
