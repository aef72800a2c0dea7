import Shared

/// Work requests that found no lease, held until one comes (a long poll, as ps-lite's servers hold a pull
/// until its version exists), by worker: a worker has at most one request out.
///
/// Requests asked ahead (`Wire.WorkRequest.ahead`: sent while the worker still computes a gradient lease)
/// come last: a lease handed to a worker that is busy waits until that worker is done, so while an idle
/// worker waits, it is the idle one that gets the next lease (docs/architecture.md, "Asking ahead").
struct ParkedRequests {
    struct Request: Equatable {
        let worker: UInt64
        let peer: PeerID
        /// When the worker asked; the request is answered `Wait` once it has been held long enough.
        let since: Double
        let ahead: Bool
    }

    private var requests: [UInt64: Request] = [:]

    var isEmpty: Bool { requests.isEmpty }

    mutating func park(_ request: Request) { requests[request.worker] = request }

    /// Whether an idle worker's request is held: an ahead request must then wait behind it.
    var holdsIdleWorker: Bool { requests.values.contains { !$0.ahead } }

    /// Removes and returns every request, idle workers' first, each group in worker order.
    mutating func takeAll() -> [Request] {
        defer { requests = [:] }
        return requests.values.sorted { ($0.ahead ? 1 : 0, $0.worker) < ($1.ahead ? 1 : 0, $1.worker) }
    }
}
