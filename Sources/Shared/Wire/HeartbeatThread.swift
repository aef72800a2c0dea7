import Foundation

/// Sends `Heartbeat`s on a timer from a thread of its own, with a connection of its own, so that a worker
/// deep in a long forward/backward pass, or a shard server busy with a large transfer (its heartbeats would
/// otherwise queue behind the frames on a slow link), still shows it is alive.
///
/// A coordinator that has forgotten the sender (it restarted) answers a heartbeat with a `Refused` asking
/// it to register again; the thread keeps that request (`takeRegisterAgain`) for the session, which may
/// be busy with a long lease and would otherwise learn it only at its next message. Each `beat` starts a
/// new connection: a refusal answering a heartbeat of the membership before (a restarted coordinator may
/// give the same worker id in the same run again) cannot arrive there and be taken for one of the new.
///
/// The worker id and run id change when the worker registers again; the lock protects them, the stop
/// flag and the kept request, which the compute thread reads and writes and this thread too.
public final class HeartbeatThread: @unchecked Sendable {
    private let lock = NSLock()
    private var identity: (worker: UInt64, run: String, generation: Int)?
    private var generation = 0
    private var interval: Double = 1
    private var stopped = false
    private var registerAgain: String?
    private let endpoint: String
    private let network: any Network
    private let done = DispatchSemaphore(value: 0)

    public init(endpoint: String, network: any Network) {
        self.endpoint = endpoint
        self.network = network
        let thread = Thread { [self] in run() }
        thread.name = "bfpo-heartbeat"
        thread.start()
    }

    /// Starts (or retargets) heartbeats for `worker` of `run` every `seconds`.
    public func beat(worker: UInt64, run: String, every seconds: Double) {
        lock.lock()
        generation += 1
        identity = (worker, run, generation)
        interval = seconds
        registerAgain = nil
        lock.unlock()
    }

    /// The reason of the last request to register again that answered a heartbeat sent since the last
    /// `beat`, once; nil if none came since that `beat` or the last call.
    public func takeRegisterAgain() -> String? {
        lock.lock()
        defer { lock.unlock() }
        defer { registerAgain = nil }
        return registerAgain
    }

    /// Sends nothing until the next `beat` (a shard server that lost its shards).
    public func pause() {
        lock.lock()
        identity = nil
        lock.unlock()
    }

    /// Stops the thread and closes its socket; returns once it has.
    public func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
        done.wait()
    }

    private func run() {
        var connection: (transport: any WorkerTransport, generation: Int)?
        while true {
            lock.lock()
            let (current, seconds, stop) = (identity, interval, stopped)
            lock.unlock()
            if stop { break }
            if let current {
                if connection?.generation != current.generation {
                    connection?.transport.close()
                    connection = (try? network.connect(to: endpoint, options: ConnectOptions(sendTimeoutMilliseconds: 1000)))
                        .map { ($0, current.generation) }
                }
                if let transport = connection?.transport {
                    _ = try? transport.send(WireMessage(.heartbeat(Wire.Heartbeat(workerID: current.worker)), runID: current.run))
                    while let reply = (try? transport.receive(timeout: .zero)) ?? nil {
                        guard case .refused(let refused) = reply.body, refused.registerAgain else { continue }
                        lock.lock()
                        if identity?.generation == current.generation { registerAgain = refused.reason }
                        lock.unlock()
                    }
                }
            }
            sleep(seconds)
        }
        connection?.transport.close()
        done.signal()
    }

    /// Sleeps `seconds` in short slices, so `stop()` is answered within 50 ms.
    private func sleep(_ seconds: Double) {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            lock.lock()
            let stop = stopped
            lock.unlock()
            if stop { return }
            Thread.sleep(forTimeInterval: min(0.05, max(0, end.timeIntervalSinceNow)))
        }
    }
}
