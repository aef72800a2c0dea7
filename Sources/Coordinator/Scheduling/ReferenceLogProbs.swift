import Shared

/// π_ref's log-probs of every pair the run scores (docs/architecture.md, "Phases"): the training pairs
/// (the main data's, then the helpfulness buffer's), then the eval pairs. The reference phase computes them
/// once, in reference batches of `batchSize` consecutive pairs, before training starts; a run whose cache
/// matches starts with all of them known.
struct ReferenceLogProbs {
    let batchSize: Int
    private var values: [ResponseLogProbs?]

    /// `count` pairs, none known unless `known` gives all of them.
    init(count: Int, batchSize: Int, known: [ResponseLogProbs]?) {
        precondition(known == nil || known!.count == count, "reference log-probs of every pair")
        self.batchSize = batchSize
        values = known ?? [ResponseLogProbs?](repeating: nil, count: count)
    }

    var batchCount: Int { (values.count + batchSize - 1) / batchSize }

    /// The pairs of reference batch `batch`.
    func range(ofBatch batch: Int) -> Range<Int> {
        (batch * batchSize)..<min((batch + 1) * batchSize, values.count)
    }

    /// The log-probs of pair `index`, which must be known.
    subscript(index: Int) -> ResponseLogProbs { values[index]! }

    /// Every pair's log-probs, once all are known.
    var all: [ResponseLogProbs]? {
        let known = values.compactMap { $0 }
        return known.count == values.count ? known : nil
    }

    /// Stores a reference push for `batch`: its sequence log-probs, chosen then rejected for each pair.
    /// - Returns: why the push is refused (a count that does not match the batch, a log-prob that is not a
    ///   finite number ≤ 0), or nil once stored.
    mutating func record(batch: Int, logProbs: [Double]) -> String? {
        let range = range(ofBatch: batch)
        guard logProbs.count == 2 * range.count else {
            return "reference push for batch \(batch) has \(logProbs.count) log-probs, expected \(2 * range.count)"
        }
        guard logProbs.allSatisfy({ $0.isFinite && $0 <= 0 }) else {
            return "reference push for batch \(batch) holds a log-prob that is not a finite number ≤ 0"
        }
        for (offset, index) in range.enumerated() {
            values[index] = ResponseLogProbs(chosen: logProbs[2 * offset], rejected: logProbs[2 * offset + 1])
        }
        return nil
    }
}
