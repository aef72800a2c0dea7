/// One shard's public copy P under `compression: topk`: the values workers compute on, kept by the
/// server beside its fp32 master values W.
///
/// After each optimizer step `update(master:)` sends the k coordinates where W and P differ most and
/// sets P to W there. Coordinates not sent keep their difference, which grows with every step that
/// moves them the same way until they are among the k: that is the error feedback. Nothing is lost,
/// only delayed, and once W stops moving P reaches W exactly. P depends only on the sequence of W, so
/// it is the same however many workers computed the gradients.
///
/// Invariant: a worker that started from P at version 0 and applied every update in order holds P.
/// A class because it owns memory; not thread-safe: one `update` or `apply` at a time.
public final class PublicCopy {
    /// The shard's number of coordinates.
    public let count: Int
    /// k: how many coordinates each `update` sends.
    public let selectionCount: Int
    private let storage: FloatBuffer                       // (count): P
    private let selected: UnsafeMutableBufferPointer<UInt32>  // (selectionCount): the last update's indices
    /// Allocated on the first `update`, so a worker-side copy that only applies updates holds none.
    private lazy var selector = TopKSelector(capacity: count)

    /// k: the smallest number of coordinates whose share of `count`, k / `count` rounded to `Double`,
    /// is at least `fraction`; at least 1, at most `count`, 0 for an empty shard. Taking the ratio rather
    /// than ⌈`fraction` · `count`⌉ keeps decimal fractions exact: `topk:0.07` of 100 coordinates is 7,
    /// where 0.07 · 100 = 7.000000000000001 in `Double`. 0 < `fraction` ≤ 1.
    public static func selectionCount(fraction: Double, count: Int) -> Int {
        precondition(fraction > 0 && fraction <= 1, "the top-k fraction must lie in (0, 1], not \(fraction)")
        precondition(count >= 0, "a shard's count is non-negative")
        guard count > 0 else { return 0 }
        let total = Double(count)
        // The product is within an ulp of the answer; the two loops move it at most a step or two.
        var k = min(count, Int((fraction * total).rounded(.up)))
        while k > 1, Double(k - 1) / total >= fraction { k -= 1 }
        while k < count, Double(k) / total < fraction { k += 1 }
        return max(1, k)
    }

    /// A copy equal to `initial` (P = W at version 0, or P as a checkpoint saved it).
    public init(initial: UnsafeBufferPointer<Float>, fraction: Double) {
        precondition(initial.count <= Int(UInt32.max) + 1, "sparse update indices are UInt32: at most 2^32 coordinates")
        count = initial.count
        selectionCount = Self.selectionCount(fraction: fraction, count: count)
        storage = FloatBuffer(count: count)
        if let source = initial.baseAddress { storage.pointer.update(from: source, count: count) }
        selected = .allocate(capacity: selectionCount)
    }

    deinit { selected.deallocate() }

    /// P's values; valid as long as this copy lives, changed by the next `update` or `apply`.
    public var values: UnsafeBufferPointer<Float> { UnsafeBufferPointer(storage.buffer) }

    /// Selects the k coordinates with the largest |W[i] − P[i]| (ties: lower index), sets P[i] = W[i]
    /// there and returns those entries, indices ascending. Allocates only the returned update.
    public func update(master: UnsafeBufferPointer<Float>) -> SparseUpdate {
        precondition(master.count == count, "master values of \(master.count) coordinates for a copy of \(count)")
        selector.select(largestDifferencesOf: master, from: values, into: selected)
        let values = selected.map { master[Int($0)] }
        for (index, value) in zip(selected, values) { storage[Int(index)] = value }
        return SparseUpdate(indices: Array(selected), values: values)
    }

    /// Applies an update the server made from this same copy (the worker side).
    public func apply(_ update: SparseUpdate) {
        update.apply(to: storage.buffer)
    }
}
