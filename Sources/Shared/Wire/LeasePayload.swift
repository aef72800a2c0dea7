/// The payload frames of a `Wire.Lease`, validated against the lease header (see `Wire.Lease` for the
/// layout). N is the lease's token count, P its pair count.
public struct LeasePayload {
    /// (N) token ids, each in `0..<vocabularySize`.
    public let tokenIDs: TensorView<Int32>
    /// (N) 1 where a token's log-prob counts; 0 at the first token of every sequence.
    public let lossMask: TensorView<UInt8>
    /// (2P) safety labels, chosen then rejected per pair; 0 or 1.
    public let safetyLabels: TensorView<UInt8>
    /// (2P) reference sequence log-probs, chosen then rejected per pair; finite. Gradient and eval leases only.
    public let referenceLogProbs: TensorView<Double>?

    /// Checks `message`'s frames against `lease` (which must be its body).
    /// - Throws: `WireError.frameCount`, `.frameSize`, `.valueOutOfRange`, `.nonFinite`.
    public init(validating message: WireMessage, lease: Wire.Lease, vocabularySize: Int) throws {
        precondition(vocabularySize > 0 && vocabularySize <= Int(Int32.max), "vocabulary size out of range")
        let tokens = lease.tokenCount
        let sequences = lease.sequenceLengths.count
        try message.requireFrameCount(Self.frameCount(for: lease.kind))
        let frames = message.frames
        tokenIDs = try TensorFrame.int32s(frames[0], expectedCount: tokens, frame: "token ids", allowed: 0..<Int32(vocabularySize))
        lossMask = try TensorFrame.flags(frames[1], expectedCount: tokens, frame: "loss mask")
        try lossMask.withUnsafeBufferPointer { mask in
            var start = 0
            for (sequence, length) in lease.sequenceLengths.enumerated() {
                // mask[0] = 1 would ask for the log-prob of a token predicted from before the sequence.
                guard mask[start] == 0 else {
                    throw WireError.valueOutOfRange(frame: "loss mask", index: start, value: 1,
                                                    allowed: "0 at the first token of a sequence (sequence \(sequence))")
                }
                start += Int(length)
            }
        }
        safetyLabels = try TensorFrame.flags(frames[2], expectedCount: sequences, frame: "safety labels")
        referenceLogProbs = lease.kind != .reference
            ? try TensorFrame.doubles(frames[3], expectedCount: sequences, frame: "reference log-probs")
            : nil
    }

    /// Payload frames a lease of `kind` carries: 3 for reference leases, 4 for gradient and eval leases
    /// (which need the reference log-probs).
    public static func frameCount(for kind: Wire.LeaseKind) -> Int { kind == .reference ? 3 : 4 }

    /// The payload frames of a lease, in order, as copies (they are small next to shards and gradients).
    public static func frames(
        tokenIDs: [Int32], lossMask: [UInt8], safetyLabels: [UInt8], referenceLogProbs: [Double]?
    ) -> [WireMessage.Payload] {
        var frames: [WireMessage.Payload] = [.copying(tokenIDs), .copying(lossMask), .copying(safetyLabels)]
        if let referenceLogProbs { frames.append(.copying(referenceLogProbs)) }
        return frames
    }
}
