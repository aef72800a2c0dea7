import Foundation
import Shared

/// Where a worker's time went from its first lease request to its last push reply: the engine's calls, and
/// the rest (asking for work, pulls, pushes, waiting for the coordinator or the other workers). On a slow
/// network the rest grows; `bench/network.sh` reads the summary line the worker logs at exit.
struct LeaseTime {
    private var leases = 0
    var compute: TimeInterval = 0
    /// Of the rest: from asking for work to a lease, told to wait included (while the step before is applied,
    /// or the other workers finish theirs).
    private var asking: TimeInterval = 0
    /// Of the rest: the engine waiting for a shard it needed next.
    var pulling: TimeInterval = 0
    /// Shards fetched while the lease before was computed (`PullAhead`).
    var shardsPulledAhead = 0
    /// Payload bytes (tensors) this worker sent and received, with the coordinator and every server.
    private var payloadSent = 0
    private var payloadReceived = 0

    mutating func countPayload(sent: Int, received: Int) {
        payloadSent += sent
        payloadReceived += received
    }

    mutating func countPayload(of transport: any WorkerTransport) {
        countPayload(sent: transport.counters.payloadBytesSent, received: transport.counters.payloadBytesReceived)
    }
    private var span: (start: Date, end: Date)?

    /// Counts a lease first asked for at `asked`, granted at `granted` and done (computed and pushed, or
    /// dropped) now.
    mutating func finished(askedAt asked: Date, grantedAt granted: Date) {
        leases += 1
        asking += granted.timeIntervalSince(asked)
        span = (span?.start ?? asked, Date())
    }

    var summary: String {
        let total = span.map { $0.end.timeIntervalSince($0.start) } ?? 0
        let waiting = max(0, total - compute)
        return String(format: "worker summary: %d leases, compute %.1f s, network and waiting %.1f s (%.0f %% of lease time: asking for work %.2f s, waiting for shards %.2f s, the rest %.2f s); payload sent %.1f MB, received %.1f MB; %d shards pulled ahead",
                      leases, compute, waiting, total > 0 ? 100 * waiting / total : 0, asking, pulling, max(0, waiting - asking - pulling),
                      Double(payloadSent) / 1e6, Double(payloadReceived) / 1e6, shardsPulledAhead)
    }
}
