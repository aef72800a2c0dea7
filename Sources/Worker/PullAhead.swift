import Foundation
import Shared

/// A work request asked ahead, answered on a thread of its own while the lease before is still computed
/// (docs/parameter-servers.md, "Pulling ahead"). When the answer is a lease of the policy at versions this
/// worker does not hold, which happens under asynchronous training (`max_staleness` > 0), the thread
/// fetches the shards it needs, in forward order, until the lease before is done: the link that brings
/// shards would otherwise idle from the end of one lease's pull to the start of the next's. The replies
/// are held, not stored, because the model still reads the cache; the next lease's `ShardPull` stores
/// them (`prefetched`) and asks only for the rest. Under synchronous training the next step's versions
/// do not exist while the lease before is computed, so nothing is fetched.
///
/// Owns the transports it is given from `init` until `finish` or `abandon` returns; `condition` guards
/// `done`, `abandoned` and `outcome`. `@unchecked Sendable` for that reason.
final class PullAhead: @unchecked Sendable {
    /// The answer, if one came within the reply time-out, and the shards fetched for it.
    struct Outcome {
        let reply: WireMessage?
        let prefetched: [UInt32: WireMessage]
    }

    let request: Wire.WorkRequest
    private let condition = NSCondition()
    /// The lease before is computed: fetch no further shard.
    private var done = false
    /// The answer is no longer wanted (the worker registers again): stop waiting for it, and fetch nothing.
    private var abandoned = false
    private var outcome: Result<Outcome, any Error>?

    /// Waits for the answer to `request`, sent to the coordinator over `coordinator`, for at most
    /// `fetch.replyTimeout` seconds; then fetches the stale shards of a policy lease from `source(id)` into
    /// held replies, comparing the lease's versions with `cache`'s.
    init(request: Wire.WorkRequest, coordinator: any WorkerTransport, cache: ParameterCache, fetch: ShardFetch,
         source: @escaping (UInt32) -> ShardPull.Source) {
        self.request = request
        let thread = Thread { [self] in
            let result = Result<Outcome, any Error> {
                let reply = try answer(from: coordinator, within: fetch.replyTimeout, log: fetch.log)
                guard case .lease(let lease)? = reply?.body, lease.parameterSet == .policy,
                      lease.shardVersions.count == cache.shards.count
                else { return Outcome(reply: reply, prefetched: [:]) }
                var prefetched: [UInt32: WireMessage] = [:]
                for id in cache.stale(comparedTo: lease.shardVersions) where !isDone {
                    // A shard that cannot be fetched now is the lease's pull's to ask for, and to fail on.
                    guard let shard = try? fetch.fetch(id, held: cache.versions[Int(id)], from: source(id), updates: true) else { break }
                    prefetched[id] = shard
                }
                return Outcome(reply: reply, prefetched: prefetched)
            }
            condition.lock()
            outcome = result
            condition.broadcast()
            condition.unlock()
        }
        thread.name = "bfpo-pull-ahead"
        thread.start()
    }

    /// The lease before is computed: fetches no further shard, and returns the answer (waiting for it up
    /// to the reply time-out) with the shards fetched. Throws what the coordinator's transport threw.
    func finish() throws -> Outcome {
        stopFetching()
        condition.lock()
        defer { condition.unlock() }
        while outcome == nil { condition.wait() }
        return try outcome!.get()
    }

    /// Fetches no further shard after the one in flight: the cache is the next lease's pull's from now on.
    func stopFetching() {
        condition.withLock { done = true }
    }

    /// Gives up the answer and waits for the thread to let go of the transports.
    func abandon() {
        condition.withLock {
            abandoned = true
            done = true
        }
        _ = try? finish()
    }

    private var isDone: Bool { condition.withLock { done } }

    /// The reply to `request`, read in slices so that `abandon` ends the wait.
    private func answer(from coordinator: any WorkerTransport, within seconds: Double, log: Logger) throws -> WireMessage? {
        let deadline = Date().addingTimeInterval(seconds)
        while deadline.timeIntervalSinceNow > 0 {
            if condition.withLock({ abandoned }) { return nil }
            if let reply = try coordinator.reply(to: .workRequest(request), within: min(0.05, deadline.timeIntervalSinceNow), skipped: { late in
                log.debug("skipped a late \(late.body.name) while waiting for the answer to a work request")
            }) {
                return reply
            }
        }
        return nil
    }
}
