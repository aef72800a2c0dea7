@testable import Coordinator

/// A gradient held in a plain buffer, as the in-process tests push it.
final class BufferGradient: GradientContribution {
    let values: [Float]
    let shards: [Range<Int>]
    init(_ values: [Float], shards: [Range<Int>]) {
        self.values = values
        self.shards = shards
    }
    func withShard<R>(_ index: Int, _ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try values.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[shards[index]])) }
    }
}
