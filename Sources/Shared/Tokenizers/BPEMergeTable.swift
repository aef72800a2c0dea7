/// The merge rules of a BPE model, and the merge loop that applies them to one pre-token.
///
/// `tokenizers`' rule: repeatedly merge the adjacent pair with the lowest rank (its index in the merges
/// list), the leftmost such pair on ties, until no adjacent pair has a rule. Done with a binary heap of
/// candidate pairs and a linked list of symbols, so a pre-token of n symbols costs O(n log n), never
/// the O(n²) of rescanning all pairs after each merge.
struct BPEMergeTable: Sendable {
    /// (left id << 32 | right id) → (rank << 32 | merged id).
    private var rules: [UInt64: UInt64] = [:]

    var count: Int { rules.count }

    /// Adds the rule `left right → merged` at `rank`; a pair listed twice keeps the later rank, as in
    /// `tokenizers`.
    mutating func insert(left: Int32, right: Int32, merged: Int32, rank: Int) {
        rules[Self.key(left, right)] = UInt64(rank) << 32 | UInt64(UInt32(bitPattern: merged))
    }

    @inline(__always)
    private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// Merges `symbols` (token ids, in order) in place until no rule applies.
    func merge(_ symbols: inout [Int32]) {
        let count = symbols.count
        guard count >= 2, !rules.isEmpty else { return }
        if count == 2 {
            if let rule = rules[Self.key(symbols[0], symbols[1])] { symbols = [Int32(truncatingIfNeeded: rule)] }
            return
        }
        // Symbol i is alive while `next[i] != dead`; a merge keeps the left symbol's index.
        let dead: Int32 = -2
        var previous = (0..<count).map { Int32($0) - 1 }
        var next = (0..<count).map { $0 + 1 < count ? Int32($0 + 1) : -1 }
        // Candidates as (rank << 32 | left index): the heap's minimum is the lowest rank, then leftmost.
        var heap = MinHeap(capacity: count)
        for i in 0..<(count - 1) {
            if let rule = rules[Self.key(symbols[i], symbols[i + 1])] { heap.push(rule & 0xFFFF_FFFF_0000_0000 | UInt64(i)) }
        }
        while let candidate = heap.pop() {
            let position = Int(candidate & 0xFFFF_FFFF)
            let rank = candidate >> 32
            let right = next[position]
            // Stale candidate: its left symbol was absorbed, or either side changed since it was pushed.
            guard right >= 0, let rule = rules[Self.key(symbols[position], symbols[Int(right)])], rule >> 32 == rank
            else { continue }
            symbols[position] = Int32(truncatingIfNeeded: rule)
            let after = next[Int(right)]
            next[position] = after
            next[Int(right)] = dead
            if after >= 0 { previous[Int(after)] = Int32(position) }
            let before = previous[position]
            if before >= 0, let rule = rules[Self.key(symbols[Int(before)], symbols[position])] {
                heap.push(rule & 0xFFFF_FFFF_0000_0000 | UInt64(before))
            }
            if after >= 0, let rule = rules[Self.key(symbols[position], symbols[Int(after)])] {
                heap.push(rule & 0xFFFF_FFFF_0000_0000 | UInt64(position))
            }
        }
        var merged: [Int32] = []
        var index: Int32 = 0  // symbol 0 is never absorbed: it has no left neighbour
        while index >= 0 {
            merged.append(symbols[Int(index)])
            index = next[Int(index)]
        }
        symbols = merged
    }
}

/// A binary min-heap of UInt64 keys.
private struct MinHeap {
    private var keys: [UInt64] = []

    init(capacity: Int) { keys.reserveCapacity(capacity) }

    mutating func push(_ key: UInt64) {
        keys.append(key)
        var child = keys.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard keys[child] < keys[parent] else { break }
            keys.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> UInt64? {
        guard let last = keys.popLast() else { return nil }
        guard !keys.isEmpty else { return last }
        let top = keys[0]
        keys[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < keys.count, keys[left] < keys[smallest] { smallest = left }
            if right < keys.count, keys[right] < keys[smallest] { smallest = right }
            guard smallest != parent else { break }
            keys.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}
