import Shared
@testable import Coordinator

extension CoordinatorCore {
    /// A worker's gradient push as the system sends it, for tests that hold a whole gradient: the shards
    /// this process trains as one part (when `gradient` is given and there are any), then the closing push.
    func pushGradient(
        worker: UInt64, lease: UInt64, batch: Int, versions: [UInt64], metrics: PreferenceMetrics, tokens: Int,
        gradient: GradientContribution?, now: Double
    ) -> PushOutcome {
        let trained = servers.local.trainedShardIDs
        if let gradient, !trained.isEmpty {
            let part = pushGradientPart(worker: worker, lease: lease, batch: batch, shards: trained) { _ in gradient }
            guard part == .accepted else { return part }
        }
        return pushGradient(worker: worker, lease: lease, batch: batch, versions: versions, metrics: metrics, tokens: tokens, now: now)
    }
}
