/// How the flat parameter vector is cut into shards: `count` contiguous ranges whose sizes differ by at
/// most one element, covering the vector in order. The ranges depend only on the two numbers, so a
/// checkpoint's layout can be checked by recomputing it.
enum ShardLayout {
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
}
