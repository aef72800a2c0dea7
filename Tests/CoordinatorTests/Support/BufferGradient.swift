@testable import Coordinator

/// A gradient held in a plain buffer, as the in-process tests push it.
final class BufferGradient: GradientContribution {
    let values: [Float]
    let shards: [Range<Int>]
    init(_ values: [Float], shards: [Range<Int>]) {
        self.values = values
        self.shards = shards
    }
    func add(shard index: Int, into accumulator: UnsafeMutableBufferPointer<Float>) {
        for (i, value) in values[shards[index]].enumerated() { accumulator[i] += value }
    }
}
