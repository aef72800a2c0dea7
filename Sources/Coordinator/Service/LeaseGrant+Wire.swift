import Shared

extension LeaseGrant {
    /// The `Lease` message and its payload frames (`LeasePayload`: token ids, loss mask, safety labels,
    /// and the reference log-probs except for a reference lease, which computes them): each pair as its
    /// chosen then its rejected sequence.
    var wireMessage: (lease: Wire.Lease, frames: [WireMessage.Payload]) {
        var ids: [Int32] = [], mask: [UInt8] = [], labels: [UInt8] = [], lengths: [UInt32] = []
        for pair in pairs {
            for (sequence, sequenceMask) in [(pair.chosenIDs, pair.chosenMask), (pair.rejectedIDs, pair.rejectedMask)] {
                ids += sequence.map { Int32($0) }
                mask += sequenceMask.map { $0 ? 1 : 0 }
                lengths.append(UInt32(sequence.count))
            }
            labels += [pair.chosenSafe ? 1 : 0, pair.rejectedSafe ? 1 : 0]
        }
        let referenceLogProbs = kind != .reference ? reference.flatMap { [$0.chosen, $0.rejected] } : nil
        let lease = Wire.Lease(
            leaseID: leaseID, batchID: UInt64(batch), epoch: UInt64(epoch), step: UInt64(step),
            leaseMilliseconds: UInt32(seconds * 1000), kind: kind,
            parameterSet: parameterSet, shardVersions: versions,
            pairs: UInt32(pairs.count), normalizer: 1, sequenceLengths: lengths,
            bufferPairs: UInt32(bufferPairs), bufferWeight: bufferWeight, holdPush: holdPush, carriesLeaseID: carriesLeaseID)
        return (lease, LeasePayload.frames(tokenIDs: ids, lossMask: mask, safetyLabels: labels, referenceLogProbs: referenceLogProbs))
    }
}
