import Shared

/// One lease's gradient as pushed to one shard server: one fp32 range per shard the server owns, in the
/// order of its shards, readable in place (a received ZeroMQ frame, or an in-process buffer in tests).
/// Held, not copied, until the step it belongs to is reduced.
protocol GradientContribution: AnyObject {
    /// Calls `body` with the gradient of the server's `index`-th shard; valid only inside `body`.
    func withShard<R>(_ index: Int, _ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R
}

/// A pushed gradient read in place from its received frames, one per shard, each checked for size and
/// for finite values before a server holds it.
final class ReceivedGradient: GradientContribution {
    private let views: [TensorView<Float>]

    /// - Parameter shards: the receiving server's shards, in order.
    init(_ message: WireMessage, shards: [Range<Int>]) throws {
        try message.requireFrameCount(shards.count)
        views = try zip(message.frames, shards).enumerated().map { index, element in
            try TensorFrame.floats(element.0, expectedCount: element.1.count, frame: "gradient shard \(index)")
        }
    }

    func withShard<R>(_ index: Int, _ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try views[index].withUnsafeBufferPointer(body)
    }
}
