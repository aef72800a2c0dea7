/// Picks the `k` coordinates where two vectors differ most, deterministically: largest |a[i] − b[i]|
/// first, ties broken by the lower index, indices returned ascending. O(n), allocation-free after init.
///
/// The bit pattern of a non-negative float, read as `UInt32`, orders the same way as its value, so the
/// k-th largest difference is found by radix select on the keys `bitPattern(|a[i] − b[i]|)`: three
/// histogram passes over 11, 11 and 10 bits narrow down its exact pattern T; a last pass in index order
/// takes every key above T and the lowest-indexed keys equal to T until k are taken. (A NaN difference
/// would rank above +inf; `PublicCopy` only sees finite values.)
///
/// A class because it owns its scratch (one `UInt32` per coordinate and a 2048-entry histogram); reuse
/// one per shard. Not thread-safe: one `select` at a time.
public final class TopKSelector {
    /// The largest vector `select` accepts.
    public let capacity: Int
    private let keys: UnsafeMutablePointer<UInt32>       // (capacity)
    private let histogram: UnsafeMutablePointer<Int>     // (2048): one count per digit value

    private static let digits: [(shift: UInt32, width: UInt32)] = [(21, 11), (10, 11), (0, 10)]

    public init(capacity: Int) {
        precondition(capacity >= 0 && capacity <= Int(UInt32.max) + 1, "top-k indices are UInt32: at most 2^32 coordinates")
        self.capacity = capacity
        keys = .allocate(capacity: max(capacity, 1))
        histogram = .allocate(capacity: 1 << 11)
    }

    deinit {
        keys.deallocate()
        histogram.deallocate()
    }

    /// Writes into `indices` the `indices.count` coordinates with the largest |a[i] − b[i]| (ties: lower
    /// index first), in ascending order. `a` and `b` have the same count, at most `capacity`, and
    /// `indices.count` is at most that count.
    public func select(largestDifferencesOf a: UnsafeBufferPointer<Float>, from b: UnsafeBufferPointer<Float>,
                       into indices: UnsafeMutableBufferPointer<UInt32>) {
        let n = a.count, k = indices.count
        precondition(b.count == n && n <= capacity, "top-k: vectors of \(n) and \(b.count) values, capacity \(capacity)")
        precondition(k <= n, "top-k: \(k) of \(n) coordinates")
        guard k > 0, let a = a.baseAddress, let b = b.baseAddress, let indices = indices.baseAddress else { return }
        if k == n {
            for i in 0..<n { indices[i] = UInt32(truncatingIfNeeded: i) }
            return
        }
        let keys = self.keys, histogram = self.histogram  // locals, so the loops below vectorize and keep them in registers
        for i in 0..<n { keys[i] = (a[i] - b[i]).bitPattern & 0x7FFF_FFFF }

        // Invariant: `remaining` ≤ the number of keys matching `prefix` under `prefixMask`, and every key
        // above that prefix range is among the k; so the digit loop below stops before digit 0 runs out.
        var prefix: UInt32 = 0, prefixMask: UInt32 = 0, remaining = k
        for (shift, width) in Self.digits {
            let digitMask: UInt32 = (1 << width) - 1
            histogram.update(repeating: 0, count: 1 << Int(width))
            for i in 0..<n where keys[i] & prefixMask == prefix {
                histogram[Int((keys[i] >> shift) & digitMask)] += 1
            }
            var digit = Int(digitMask)
            while histogram[digit] < remaining {
                remaining -= histogram[digit]
                digit -= 1
            }
            prefix |= UInt32(digit) << shift
            prefixMask |= digitMask << shift
        }

        // `prefix` is now the k-th largest key T: k − remaining keys lie above it, and the first
        // `remaining` keys equal to it (in index order) complete the k.
        let threshold = prefix
        var taken = 0, equalLeft = remaining
        for i in 0..<n {
            let key = keys[i]
            guard key > threshold || (key == threshold && equalLeft > 0) else { continue }
            if key == threshold { equalLeft -= 1 }
            indices[taken] = UInt32(truncatingIfNeeded: i)
            taken += 1
            if taken == k { break }
        }
    }
}
