/// The workers the coordinator knows, and when each was last heard from.
///
/// A worker is lost when it has been silent for `timeout` seconds (its heartbeats come from a thread
/// that compute cannot starve, so silence means a dead process or network); its leases are then revoked
/// by the caller. Ids are never reused within a coordinator's life.
struct WorkerRoster {
    struct Worker: Equatable {
        let id: UInt64
        let name: String
        let threads: Int
        /// The OpenBLAS kernels the worker reported (empty when it did not): a worker on slow fallback
        /// kernels explains a slow run.
        let blasCore: String
        /// The CURVE public key it registered over (nil without CURVE): its id means nothing over another.
        let key: String?
        var lastSeen: Double
        /// Told to stop (the run is over); the coordinator waits for these before exiting.
        var stopped = false
    }

    let timeout: Double
    private(set) var workers: [UInt64: Worker] = [:]
    private var nextID: UInt64 = 1

    init(timeout: Double) { self.timeout = timeout }

    var count: Int { workers.count }

    mutating func register(name: String, threads: Int, blasCore: String = "", key: String? = nil, now: Double) -> UInt64 {
        let id = nextID
        nextID += 1
        workers[id] = Worker(id: id, name: name, threads: threads, blasCore: blasCore, key: key, lastSeen: now)
        return id
    }

    /// What a message naming a worker id, over a connection authenticated with a key, is.
    enum Sender: Equatable {
        case member
        /// No such worker (any more): it must register again.
        case unknown
        /// The worker exists but registered over another key: someone else speaking in its name.
        case impostor
    }

    /// Records that `id` was heard from over `key`, if that is its key.
    mutating func touch(_ id: UInt64, key: String?, now: Double) -> Sender {
        guard let worker = workers[id] else { return .unknown }
        guard worker.key == key else { return .impostor }
        workers[id]!.lastSeen = now
        return .member
    }

    func name(of id: UInt64) -> String { workers[id].map { "\($0.name) (worker \(id))" } ?? "worker \(id)" }

    mutating func markStopped(_ id: UInt64) { workers[id]?.stopped = true }

    var allStopped: Bool { workers.values.allSatisfy(\.stopped) }

    /// Removes and returns the workers silent for longer than `timeout`.
    mutating func removeLost(now: Double) -> [Worker] {
        let lost = workers.values.filter { now - $0.lastSeen > timeout }.sorted { $0.id < $1.id }
        for worker in lost { workers[worker.id] = nil }
        return lost
    }

    mutating func remove(_ id: UInt64) { workers[id] = nil }

    /// Shifts every last-seen time by `seconds` (the coordinator itself was busy and deaf).
    mutating func postpone(by seconds: Double) {
        for id in workers.keys { workers[id]!.lastSeen += seconds }
    }
}
