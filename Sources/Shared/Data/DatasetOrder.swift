/// The seeded order in which an epoch visits a dataset's pairs.
public enum DatasetOrder {
    /// A permutation of 0..<count drawn by Fisher–Yates from `RandomGenerator(seed:)`: the same seed
    /// gives the same order on every machine and Swift version (the standard library's `shuffle` makes
    /// no such promise).
    public static func permutation(count: Int, seed: UInt64) -> [Int] {
        var generator = RandomGenerator(seed: seed)
        var order = Array(0..<count)
        var i = count - 1
        while i > 0 {
            let j = Int(generator.next() % UInt64(i + 1))
            order.swapAt(i, j)
            i -= 1
        }
        return order
    }
}
