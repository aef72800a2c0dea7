import Shared

/// A lease's pairs rebuilt from its validated frames, ready for the gradient engine.
///
/// Frames are untrusted: `LeasePayload` has checked sizes, id ranges, 0/1 flags and finite log-probs;
/// this adds the per-sequence rules of `TokenizedPair` (a response token in every sequence, …), so a
/// malformed lease is refused with a sentence instead of reaching the model.
struct LeaseBatch {
    let pairs: [TokenizedPair]
    let reference: [ResponseLogProbs]

    init(lease: Wire.Lease, payload: LeasePayload) throws {
        guard lease.sequenceLengths.count == 2 * Int(lease.pairs) else {
            throw WorkerError.protocolViolation("lease \(lease.leaseID) has \(lease.sequenceLengths.count) sequences for \(lease.pairs) pairs")
        }
        var pairs: [TokenizedPair] = []
        var reference: [ResponseLogProbs] = []
        try payload.tokenIDs.withUnsafeBufferPointer { ids in
            try payload.lossMask.withUnsafeBufferPointer { mask in
                try payload.safetyLabels.withUnsafeBufferPointer { labels in
                    var start = 0
                    func sequence(_ index: Int) -> (ids: [Int], mask: [Bool]) {
                        let length = Int(lease.sequenceLengths[index])
                        defer { start += length }
                        return (ids[start..<(start + length)].map(Int.init), mask[start..<(start + length)].map { $0 == 1 })
                    }
                    for p in 0..<Int(lease.pairs) {
                        let chosen = sequence(2 * p), rejected = sequence(2 * p + 1)
                        pairs.append(try TokenizedPair(
                            chosenIDs: chosen.ids, chosenMask: chosen.mask, rejectedIDs: rejected.ids, rejectedMask: rejected.mask,
                            chosenSafe: labels[2 * p] == 1, rejectedSafe: labels[2 * p + 1] == 1,
                            source: RowLocation(file: "lease \(lease.leaseID) (batch \(lease.batchID))", line: p + 1)))
                    }
                }
            }
        }
        payload.referenceLogProbs?.withUnsafeBufferPointer { values in
            for p in 0..<Int(lease.pairs) { reference.append(ResponseLogProbs(chosen: values[2 * p], rejected: values[2 * p + 1])) }
        }
        self.pairs = pairs
        self.reference = reference
    }
}
