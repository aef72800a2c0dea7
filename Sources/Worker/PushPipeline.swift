import Foundation
import Shared

/// Delivers a lease's gradient push on a thread of its own, with connections of its own
/// (docs/parameter-servers.md, "Overlap"). A push is handed over in parts: each trained shard's gradient as
/// soon as the backward pass has finished it, sent at once to the process that serves the shard (a shard
/// server or the coordinator) while the pass goes on with the shards before it; then the closing push
/// with the lease's metrics, sent to the coordinator once every part is accepted (so it never counts a
/// lease whose gradient a server lacks). Its upload overlaps the next lease's computation whenever that
/// lease needs no newer parameters (a step of several leases, or asynchronous training). Nothing numeric
/// changes: the parts are the same bytes, and servers sum a step's pushes in the coordinator's order
/// whatever their arrival.
///
/// One push in flight at a time: `begin` waits for the previous one, so with two gradient buffers the
/// worker never writes a buffer that is still being sent.
///
/// `@unchecked Sendable`: `job`, `failure` and `stopped` are guarded by `condition`; the transports are
/// used only by the pipeline's thread after `init`.
final class PushPipeline: @unchecked Sendable {
    /// Where a part goes: the coordinator, or a shard server by its index among `servers` given at init.
    enum Destination: Hashable {
        case coordinator
        case server(Int)
    }

    /// One lease's push as it is handed over.
    private struct Job {
        /// What every part carries: the lease, its batch and versions (receivers of parts read no metrics).
        let header: Wire.GradientPush
        /// Parts handed over and not yet sent, oldest first.
        var parts: [(destination: Destination, shards: [UInt32], frames: [WireMessage.Payload])] = []
        /// The closing push, once the lease is computed and every part handed over.
        var closing: Wire.GradientPush?
    }

    private let run: String
    private let coordinator: any WorkerTransport
    private let servers: [(endpoint: String, transport: any WorkerTransport)]
    private let replyTimeout: Double
    private let log: Logger
    private let condition = NSCondition()
    private var job: Job?
    private var stopped = false
    private var failure: String?
    private let finished = DispatchSemaphore(value: 0)

    init(run: String, coordinator endpoint: String, servers: [String], network: any Network, replyTimeout: Double, log: Logger) throws {
        self.run = run
        self.replyTimeout = replyTimeout
        self.log = log
        coordinator = try network.connect(to: endpoint, options: ConnectOptions(runID: run))
        self.servers = try servers.map { ($0, try network.connect(to: $0, options: ConnectOptions(runID: run))) }
        let thread = Thread { [self] in work() }
        thread.name = "bfpo-push"
        thread.start()
    }

    /// Why the last push could not be delivered (a server or the coordinator unreachable), once; the
    /// worker then registers again to learn where shards are now.
    func takeFailure() -> String? {
        condition.lock()
        defer { condition.unlock() }
        defer { failure = nil }
        return failure
    }

    /// Starts a push, after waiting for the one in flight to be delivered. Every push begun is finished.
    func begin(_ header: Wire.GradientPush) {
        condition.lock()
        while job != nil { condition.wait() }
        job = Job(header: header)
        condition.broadcast()
        condition.unlock()
    }

    /// Hands over the part of the push begun that carries `shards` (their gradients in `frames`, in order)
    /// to `destination`; it is sent at once.
    func ship(to destination: Destination, shards: [UInt32], frames: [WireMessage.Payload]) {
        condition.lock()
        precondition(job != nil && job!.closing == nil, "parts of a push begun and not yet closed")
        job!.parts.append((destination, shards, frames))
        condition.broadcast()
        condition.unlock()
    }

    /// Hands over the closing push, `push` with the lease's metrics, after every part.
    func finish(_ push: Wire.GradientPush) {
        condition.lock()
        precondition(job != nil && job!.closing == nil, "one closing push per push begun")
        job!.closing = push
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until no push is in flight.
    func drain() {
        condition.lock()
        while job != nil { condition.wait() }
        condition.unlock()
    }

    /// Delivers what is in flight, then stops the thread and closes its connections; returns the payload
    /// bytes they sent and received.
    func close() -> (sent: Int, received: Int) {
        drain()
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
        finished.wait()
        let transports = [coordinator] + servers.map(\.transport)
        transports.forEach { $0.close() }
        return transports.reduce((0, 0)) { ($0.0 + $1.counters.payloadBytesSent, $0.1 + $1.counters.payloadBytesReceived) }
    }

    private func work() {
        while true {
            condition.lock()
            while job == nil && !stopped { condition.wait() }
            guard let header = job?.header else {
                condition.unlock()
                finished.signal()
                return
            }
            condition.unlock()
            let problem = deliver(header)
            condition.lock()
            job = nil
            if let problem { failure = problem }
            condition.broadcast()
            condition.unlock()
        }
    }

    /// A part not yet sent, or the closing push.
    private enum Next {
        case part(destination: Destination, shards: [UInt32], frames: [WireMessage.Payload])
        case closing(Wire.GradientPush)
    }

    /// The next thing to send, waiting for it: a part not yet sent, or once all are, the closing push.
    private func next() -> Next {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if !job!.parts.isEmpty {
                let part = job!.parts.removeFirst()
                return .part(destination: part.destination, shards: part.shards, frames: part.frames)
            }
            if let closing = job!.closing { return .closing(closing) }
            condition.wait()
        }
    }

    private func transport(_ destination: Destination) -> (name: String, transport: any WorkerTransport) {
        switch destination {
        case .coordinator: return ("the coordinator", coordinator)
        case .server(let index): return ("shard server \(servers[index].endpoint)", servers[index].transport)
        }
    }

    /// Each part as it comes, then, once every part sent is accepted, the closing push. Returns why
    /// delivery failed, or nil (a push refused on its merits is not a failure: the coordinator leases the
    /// batch again). Every part is taken from the job even after a failure, so the worker can always
    /// finish it.
    private func deliver(_ header: Wire.GradientPush) -> String? {
        var sent: [Destination] = []
        var problem: String?
        var closingPush: Wire.GradientPush?
        while closingPush == nil {
            switch next() {
            case .closing(let push):
                closingPush = push
            case .part(let destination, let shards, let frames):
                guard problem == nil else { continue }
                var part = header
                part.shardIDs = shards
                let (name, transport) = transport(destination)
                do {
                    try transport.send(WireMessage(.gradientPush(part), runID: run, frames: frames))
                    sent.append(destination)
                } catch {
                    problem = "\(name) unreachable (\(error))"
                }
            }
        }
        let closing = closingPush!
        // Each receiver answers its parts in the order they were sent.
        var refusal: String?
        for destination in sent where problem == nil {
            let (name, transport) = transport(destination)
            switch outcome(of: header, from: transport) {
            case .accepted: continue
            case .refused(let reason): refusal = refusal ?? "part not taken by \(name): \(reason)"
            case .silent: problem = "no push reply from \(name) in \(Int(replyTimeout)) s"
            }
        }
        if let problem { return problem }
        if let refusal {
            log.info("lease \(closing.leaseID) (batch \(closing.batchID)) \(refusal)")
            return nil
        }
        do {
            try coordinator.send(WireMessage(.gradientPush(closing), runID: run))
        } catch {
            return "coordinator unreachable (\(error))"
        }
        switch outcome(of: closing, from: coordinator) {
        case .accepted: log.debug("lease \(closing.leaseID) (batch \(closing.batchID)) accepted")
        case .refused(let reason): log.info("lease \(closing.leaseID) (batch \(closing.batchID)) refused: \(reason)")
        case .silent: return "no push reply from the coordinator in \(Int(replyTimeout)) s"
        }
        return nil
    }

    private enum Outcome { case accepted, refused(String), silent }

    /// How `transport` answered `push` within the reply time-out.
    private func outcome(of push: Wire.GradientPush, from transport: any WorkerTransport) -> Outcome {
        switch (try? transport.reply(to: .gradientPush(push), within: replyTimeout))?.body {
        case .pushReply(let reply)?: return reply.accepted ? .accepted : .refused(reply.reason)
        case .refused(let refused)?: return .refused(refused.reason)
        default: return .silent
        }
    }
}
