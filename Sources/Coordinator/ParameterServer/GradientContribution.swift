import Shared

/// One lease's gradient as pushed to one shard server: one range per shard the server owns, in the order
/// of its shards, readable in place (a received frame, or an in-process buffer in tests). Held, not
/// copied, until the step it belongs to is reduced.
protocol GradientContribution: AnyObject {
    /// Adds the gradient of the server's `index`-th shard into `accumulator` (of that shard's count),
    /// element by element in index order.
    func add(shard index: Int, into accumulator: UnsafeMutableBufferPointer<Float>)
}

/// A pushed gradient read in place from its received frames, one per shard (fp32, or bfloat16 under `bf16`
/// and `topk` compression), each checked for size and for finite values before a server holds it.
final class ReceivedGradient: GradientContribution {
    private enum Frames {
        case float32([TensorView<Float>])
        case bfloat16([WireMessage.Payload])
    }

    private let frames: Frames

    /// - Parameter shards: the receiving server's shards, in order.
    init(_ message: WireMessage, shards: [Range<Int>], compression: WireCompression) throws {
        try message.requireFrameCount(shards.count)
        switch compression {
        case .none:
            frames = .float32(try zip(message.frames, shards).enumerated().map { index, element in
                try TensorFrame.floats(element.0, expectedCount: element.1.count, frame: "gradient shard \(index)")
            })
        case .bf16, .topK:
            for (index, (frame, shard)) in zip(message.frames, shards).enumerated() {
                try BFloat16Frame.validate(frame, count: shard.count, frame: "gradient shard \(index)")
            }
            frames = .bfloat16(message.frames)
        }
    }

    func add(shard index: Int, into accumulator: UnsafeMutableBufferPointer<Float>) {
        switch frames {
        case .float32(let views):
            views[index].withUnsafeBufferPointer { values in
                for i in 0..<values.count { accumulator[i] += values[i] }
            }
        case .bfloat16(let payloads):
            BFloat16Frame.addValidated(payloads[index], to: accumulator)
        }
    }
}
