import Foundation
import Shared

/// Delivers a lease's gradient push on a thread of its own, with connections of its own
/// (docs/parameter-servers.md, "Overlap"). A push is handed over in parts: each shard server's as soon as
/// the backward pass has finished that server's shards (sent at once, while the pass goes on with the
/// shards before them), the coordinator's when the lease is computed; and its upload overlaps the next
/// lease's computation whenever that lease needs no newer parameters (a step of several leases, or
/// asynchronous training). Nothing numeric changes: a push is the same bytes, and the coordinator orders
/// a step's pushes by batch whatever their arrival.
///
/// One push in flight at a time: `begin` waits for the previous one, so with two gradient buffers the
/// worker never writes a buffer that is still being sent. Only once every server holds its part is the
/// coordinator told (so it never names a push a server lacks).
///
/// `@unchecked Sendable`: `job`, `failure` and `stopped` are guarded by `condition`; the transports are
/// used only by the pipeline's thread after `init`.
final class PushPipeline: @unchecked Sendable {
    /// One lease's push as it is handed over.
    private struct Job {
        /// What the servers are sent: the lease, its batch and versions (servers read no metrics).
        let header: Wire.GradientPush
        /// Each server's frames (in the order of `servers` given at init), once handed over.
        var serverFrames: [[WireMessage.Payload]?]
        /// The whole push and the coordinator's frames, once the lease is computed.
        var coordinatorPart: (push: Wire.GradientPush, frames: [WireMessage.Payload])?
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
        job = Job(header: header, serverFrames: Array(repeating: nil, count: servers.count), coordinatorPart: nil)
        condition.broadcast()
        condition.unlock()
    }

    /// Hands over server `index`'s part of the push begun; it is sent at once.
    func ship(server index: Int, frames: [WireMessage.Payload]) {
        condition.lock()
        precondition(job != nil && job!.serverFrames[index] == nil, "one part per server of a push begun")
        job!.serverFrames[index] = frames
        condition.broadcast()
        condition.unlock()
    }

    /// Hands over the coordinator's part, `push` with the lease's metrics, once every server has its part.
    func finish(_ push: Wire.GradientPush, coordinatorFrames: [WireMessage.Payload]) {
        condition.lock()
        precondition(job != nil && job!.serverFrames.allSatisfy { $0 != nil }, "the servers' parts before the coordinator's")
        job!.coordinatorPart = (push, coordinatorFrames)
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

    /// A part of the current job: a server's (by index), or the coordinator's.
    private enum Part { case server(Int, [WireMessage.Payload]), coordinator(Wire.GradientPush, [WireMessage.Payload]) }

    /// The next part to send, waiting for it: a server's not yet sent, or once all are, the coordinator's.
    private func nextPart(after sent: Set<Int>) -> Part {
        condition.lock()
        defer { condition.unlock() }
        while true {
            let frames = job!.serverFrames
            if let index = frames.indices.first(where: { !sent.contains($0) && frames[$0] != nil }) {
                return .server(index, frames[index]!)
            }
            if sent.count == frames.count, let part = job!.coordinatorPart { return .coordinator(part.push, part.frames) }
            condition.wait()
        }
    }

    /// Each server's part as it comes, then, once all hold theirs, the coordinator's. Returns why delivery
    /// failed, or nil (a push refused on its merits is not a failure: the coordinator leases the batch
    /// again). Every part is taken from the job even after a failure, so the worker can always finish it.
    private func deliver(_ header: Wire.GradientPush) -> String? {
        var sent = Set<Int>()
        var problem: String?
        while sent.count < servers.count {
            guard case .server(let index, let frames) = nextPart(after: sent) else { preconditionFailure("servers first") }
            sent.insert(index)
            guard problem == nil else { continue }
            do {
                try servers[index].transport.send(WireMessage(.gradientPush(header), runID: run, frames: frames))
            } catch {
                problem = "shard server \(servers[index].endpoint) unreachable (\(error))"
            }
        }
        var refusal: String?
        for server in servers where problem == nil {
            switch outcome(of: header, from: server.transport) {
            case .accepted: continue
            case .refused(let reason): refusal = refusal ?? "not taken by \(server.endpoint): \(reason)"
            case .silent: problem = "no push reply from shard server \(server.endpoint) in \(Int(replyTimeout)) s"
            }
        }
        guard case .coordinator(let push, let frames) = nextPart(after: sent) else { preconditionFailure("the coordinator last") }
        if let problem { return problem }
        if let refusal {
            log.info("lease \(push.leaseID) (batch \(push.batchID)) \(refusal)")
            return nil
        }
        do {
            try coordinator.send(WireMessage(.gradientPush(push), runID: run, frames: frames))
        } catch {
            return "coordinator unreachable (\(error))"
        }
        switch outcome(of: push, from: coordinator) {
        case .accepted: log.debug("lease \(push.leaseID) (batch \(push.batchID)) accepted")
        case .refused(let reason): log.info("lease \(push.leaseID) (batch \(push.batchID)) refused: \(reason)")
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
