import Shared
@testable import Coordinator

extension CoordinatorCore {
    /// A worker's gradient push as the system sends it, for tests that hold a whole gradient: the shards
    /// this process trains as one part (when `gradient` is given and there are any), then the closing push.
    func pushGradient(
        worker: UInt64, lease: UInt64, batch: Int, versions: [UInt64], metrics: PreferenceMetrics, tokens: Int,
        gradient: GradientContribution?, carried: Wire.CarriedLease? = nil, now: Double
    ) -> PushOutcome {
        let trained = servers.local.trainedShardIDs
        if let gradient, !trained.isEmpty {
            let part = pushGradientPart(worker: worker, lease: lease, batch: batch, shards: trained) { _ in gradient }
            guard part == .accepted else { return part }
        }
        return pushGradient(worker: worker, lease: lease, batch: batch, versions: versions, metrics: metrics, tokens: tokens,
                            carried: carried, now: now)
    }

    /// The pushes of `grants`, all leased to `worker`, as a worker sends them: nothing for a lease that
    /// holds its push, and the lease that carries it names it (`CarriedPushes`). The outcomes of the pushes
    /// sent, in order.
    func pushGradients(
        worker: UInt64, grants: [LeaseGrant], metrics: (LeaseGrant) throws -> PreferenceMetrics, tokens: Int,
        gradient: GradientContribution?, now: Double
    ) throws -> [PushOutcome] {
        var held: [UInt64: LeaseGrant] = [:]
        var outcomes: [PushOutcome] = []
        for grant in grants {
            if grant.holdPush {
                held[grant.leaseID] = grant
                continue
            }
            let carried = try grant.carriesLeaseID.flatMap { held[$0] }.map {
                Wire.CarriedLease(leaseID: $0.leaseID, batchID: UInt64($0.batch), metrics: try metrics($0), tokens: UInt64(tokens), computeSeconds: 0)
            }
            outcomes.append(pushGradient(worker: worker, lease: grant.leaseID, batch: grant.batch, versions: grant.versions,
                                         metrics: try metrics(grant), tokens: tokens, gradient: gradient, carried: carried, now: now))
        }
        return outcomes
    }
}
