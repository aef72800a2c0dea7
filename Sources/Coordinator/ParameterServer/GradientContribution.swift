import Shared

/// One part of a lease's gradient as pushed to one server: one range per shard the part names, in the
/// order it names them, readable in place (a received frame, or an in-process buffer in tests). Held, not
/// copied, until the step it belongs to is reduced (`HeldGradient` gathers a lease's parts).
protocol GradientContribution: AnyObject {
    /// Adds the gradient of the part's `index`-th shard into `accumulator` (of that shard's count),
    /// element by element in index order.
    func add(shard index: Int, into accumulator: UnsafeMutableBufferPointer<Float>)
}

/// A received part read in place from its frames, one per shard it names, in the run's gradient form
/// (fp32, bfloat16, or int8/int4 `QuantizedFrame`s; docs/compression.md), each checked for size and for
/// finite values before a server holds it.
final class ReceivedGradient: GradientContribution {
    private enum Frames {
        case float32([TensorView<Float>])
        case bfloat16([WireMessage.Payload])
        case quantized([WireMessage.Payload], WireCompression.Gradients)
    }

    private let frames: Frames

    /// - Parameter shards: the ranges of the shards the part names, in its order.
    init(_ message: WireMessage, shards: [Range<Int>], compression: WireCompression) throws {
        try message.requireFrameCount(shards.count)
        let named = zip(message.frames, shards).enumerated().map { (index: $0, frame: $1.0, shard: $1.1) }
        switch compression.gradients {
        case .fp32:
            frames = .float32(try named.map { try TensorFrame.floats($0.frame, expectedCount: $0.shard.count, frame: "gradient shard \($0.index)") })
        case .bf16:
            for entry in named {
                try BFloat16Frame.validate(entry.frame, count: entry.shard.count, frame: "gradient shard \(entry.index)")
            }
            frames = .bfloat16(message.frames)
        case .int8, .int4:
            for entry in named {
                try QuantizedFrame.validate(entry.frame, count: entry.shard.count, compression.gradients, frame: "gradient shard \(entry.index)")
            }
            frames = .quantized(message.frames, compression.gradients)
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
        case .quantized(let payloads, let form):
            QuantizedFrame.addValidated(payloads[index], form, to: accumulator)
        }
    }
}
