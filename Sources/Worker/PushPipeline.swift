import Foundation
import Shared

/// Delivers a lease's gradient push on a thread of its own, with connections of its own, while the worker
/// computes the next lease (docs/parameter-servers.md, "Overlap"): the upload of one gradient overlaps the
/// computation of the next whenever the next lease needs no newer parameters (a step of several leases, or
/// asynchronous training). Nothing numeric changes: a push is the same bytes, and the coordinator orders a
/// step's pushes by batch whatever their arrival.
///
/// One push in flight at a time: `submit` waits for the previous one, so with two gradient buffers the
/// worker never writes a buffer that is still being sent. A push goes to every shard server first; only
/// once all hold it is the coordinator told (so it never names a push a server lacks).
///
/// `@unchecked Sendable`: `pending`, `failure` and `stopped` are guarded by `condition`; the transports
/// are used only by the pipeline's thread after `init`.
final class PushPipeline: @unchecked Sendable {
    /// One lease's push: its header, the frames for each server (in the order of `servers` given at init)
    /// and those for the coordinator.
    struct Job {
        let push: Wire.GradientPush
        let serverFrames: [[WireMessage.Payload]]
        let coordinatorFrames: [WireMessage.Payload]
    }

    private let run: String
    private let coordinator: any WorkerTransport
    private let servers: [(endpoint: String, transport: any WorkerTransport)]
    private let replyTimeout: Double
    private let log: Logger
    private let condition = NSCondition()
    private var pending: Job?
    private var busy = false
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

    /// Hands a push over, after waiting for the one in flight to be delivered.
    func submit(_ job: Job) {
        condition.lock()
        while pending != nil || busy { condition.wait() }
        pending = job
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until no push is in flight.
    func drain() {
        condition.lock()
        while pending != nil || busy { condition.wait() }
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
            while pending == nil && !stopped { condition.wait() }
            guard let job = pending else {
                condition.unlock()
                finished.signal()
                return
            }
            pending = nil
            busy = true
            condition.unlock()
            let problem = deliver(job)
            condition.lock()
            busy = false
            if let problem { failure = problem }
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Servers first, all at once, then the coordinator. Returns why delivery failed, or nil (a push
    /// refused on its merits is not a failure: the coordinator leases the batch again).
    private func deliver(_ job: Job) -> String? {
        let lease = job.push.leaseID
        for (server, frames) in zip(servers, job.serverFrames) {
            do {
                try server.transport.send(WireMessage(.gradientPush(job.push), runID: run, frames: frames))
            } catch {
                return "shard server \(server.endpoint) unreachable (\(error))"
            }
        }
        for server in servers {
            switch outcome(of: job.push, from: server.transport) {
            case .accepted: continue
            case .refused(let reason):
                log.info("lease \(lease) (batch \(job.push.batchID)) not taken by \(server.endpoint): \(reason)")
                return nil
            case .silent:
                return "no push reply from shard server \(server.endpoint) in \(Int(replyTimeout)) s"
            }
        }
        do {
            try coordinator.send(WireMessage(.gradientPush(job.push), runID: run, frames: job.coordinatorFrames))
        } catch {
            return "coordinator unreachable (\(error))"
        }
        switch outcome(of: job.push, from: coordinator) {
        case .accepted: log.debug("lease \(lease) (batch \(job.push.batchID)) accepted")
        case .refused(let reason): log.info("lease \(lease) (batch \(job.push.batchID)) refused: \(reason)")
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
