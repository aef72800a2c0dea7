/// How the flat parameter vector is cut into shards. The cuts depend only on the numbers given (and the
/// selection), so a checkpoint's layout can be checked by recomputing it.
enum ShardLayout {
    /// One shard: its range of the flat vector, and whether it is trained.
    struct Shard: Equatable {
        let range: Range<Int>
        /// Not trained (selective fine-tuning): its values never change.
        let frozen: Bool
    }

    /// `count` contiguous ranges whose sizes differ by at most one element, covering the vector in order.
    static func ranges(parameterCount: Int, shards count: Int) -> [Range<Int>] {
        precondition(count >= 1 && count <= parameterCount, "between 1 and parameterCount shards")
        let base = parameterCount / count, extra = parameterCount % count
        var ranges: [Range<Int>] = []
        var start = 0
        for s in 0..<count {
            let size = base + (s < extra ? 1 : 0)
            ranges.append(start..<(start + size))
            start += size
        }
        return ranges
    }

    /// Shards covering the vector in order when only `trained` (sorted, disjoint, non-empty ranges) is
    /// trained: the trained parameters, taken together, are cut as `ranges` cuts a vector into `count`
    /// near-equal parts (fewer if there are fewer trained parameters), each part cut again where a trained
    /// range ends, so that every shard is one contiguous range; each gap between trained ranges is one
    /// frozen shard. With everything trained this is `ranges(parameterCount:shards:)`.
    static func shards(parameterCount: Int, count: Int, trained: [Range<Int>]) -> [Shard] {
        let trainedCount = trained.reduce(0) { $0 + $1.count }
        precondition(trainedCount >= 1, "at least one trained parameter")
        // Part boundaries in the trained parameters' own numbering, then mapped back to the flat vector.
        let parts = ranges(parameterCount: trainedCount, shards: min(count, trainedCount))
        var shards: [Shard] = []
        var cursor = 0          // flat position covered so far
        var before = 0          // trained parameters before the current trained range
        for range in trained {
            if cursor < range.lowerBound { shards.append(Shard(range: cursor..<range.lowerBound, frozen: true)) }
            for part in parts {
                let start = max(part.lowerBound, before), end = min(part.upperBound, before + range.count)
                if start < end {
                    shards.append(Shard(range: (range.lowerBound + start - before)..<(range.lowerBound + end - before), frozen: false))
                }
            }
            before += range.count
            cursor = range.upperBound
        }
        if cursor < parameterCount { shards.append(Shard(range: cursor..<parameterCount, frozen: true)) }
        return shards
    }
}
