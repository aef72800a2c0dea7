import Foundation

/// A coordinator and N workers connected in memory, for testing coordinator and worker logic without
/// sockets (as NIOEmbedded does for swift-nio channels).
///
/// Faithful where it matters to that logic: headers go through `WireCodec` both ways, so validation
/// and refusals (`EnvelopeAdmission`, answered with a `Refused` and counted) behave as over ZeroMQ;
/// each direction is FIFO; a send to a closed worker throws `WireError.peerUnreachable`. Payload frames
/// are passed by reference, not copied. Every side may be used from any thread.
public enum InProcessTransport {
    /// A coordinator side and `workers` worker sides. Worker sides start with no expected run id, like a
    /// worker before its `Welcome`.
    /// - Parameters:
    ///   - runID: the coordinator's run, put on its refusals and required of incoming messages.
    ///   - checksRunID: whether the coordinator side requires `runID` (a `Register` may carry none).
    public static func make(
        workers: Int, runID: String, checksRunID: Bool = true
    ) -> (coordinator: InProcessCoordinatorTransport, workers: [InProcessWorkerTransport]) {
        precondition(workers >= 0, "worker count must be non-negative")
        let coordinatorInbox = InProcessQueue<InProcessCoordinatorTransport.Item>()
        let workerSides = (0..<workers).map { index -> InProcessWorkerTransport in
            let id = UInt32(index + 1)
            let peer = PeerID(bytes: [0, UInt8(id >> 24), UInt8(id >> 16 & 0xFF), UInt8(id >> 8 & 0xFF), UInt8(id & 0xFF)])
            return InProcessWorkerTransport(peer: peer, coordinatorInbox: coordinatorInbox)
        }
        let coordinator = InProcessCoordinatorTransport(
            inbox: coordinatorInbox, runID: runID, admission: EnvelopeAdmission(runID: checksRunID ? runID : nil),
            workers: Dictionary(uniqueKeysWithValues: workerSides.map { ($0.peer, $0.inbox) }))
        return (coordinator, workerSides)
    }
}

/// The coordinator side of `InProcessTransport`.
///
/// `@unchecked Sendable`: the queues lock themselves, `counters` is guarded by `lock`, everything else is
/// immutable.
public final class InProcessCoordinatorTransport: CoordinatorTransport, @unchecked Sendable {
    struct Item {
        let peer: PeerID
        let header: [UInt8]
        let frames: [WireMessage.Payload]
    }

    private let inbox: InProcessQueue<Item>
    private let runID: String
    private let admission: EnvelopeAdmission
    private let workers: [PeerID: InProcessQueue<InProcessWorkerTransport.Item>]
    private let lock = NSLock()
    private var countersStorage = TransportCounters()

    fileprivate init(
        inbox: InProcessQueue<Item>, runID: String, admission: EnvelopeAdmission,
        workers: [PeerID: InProcessQueue<InProcessWorkerTransport.Item>]
    ) {
        self.inbox = inbox
        self.runID = runID
        self.admission = admission
        self.workers = workers
    }

    public var counters: TransportCounters { lock.withLock { countersStorage } }

    public func receive(timeout: Duration?) throws -> (peer: PeerID, message: WireMessage)? {
        let deadline = timeout.map { ContinuousClock.now + $0 }
        while let item = inbox.pop(until: deadline) {
            do {
                let envelope = try WireCodec.decode(item.header)
                if let refusal = admission.refusal(for: envelope) { throw refusal }
                lock.withLock { countersStorage.received += 1 }
                return (item.peer, WireMessage(envelope: envelope, frames: item.frames))
            } catch let error as WireError {
                lock.withLock {
                    countersStorage.refused += 1
                    countersStorage.lastRefusal = error
                }
                if !InProcessWorkerTransport.isRefused(item.header) {
                    let reply = EnvelopeAdmission.refusalReply(error, runID: runID)
                    _ = workers[item.peer]?.push(.init(header: WireCodec.encode(reply.envelope), frames: []))
                }
            }
        }
        return nil
    }

    public func send(_ message: WireMessage, to peer: PeerID) throws {
        guard let queue = workers[peer], queue.push(.init(header: WireCodec.encode(message.envelope), frames: message.frames)) else {
            throw WireError.peerUnreachable(peer: peer.description)
        }
        lock.withLock { countersStorage.sent += 1 }
    }

    /// Stops accepting messages; workers' sends then throw `WireError.closed`.
    public func close() { inbox.close() }
}

/// A worker side of `InProcessTransport`.
///
/// `@unchecked Sendable`: the queues lock themselves; `counters` and `expectedRunID` are guarded by `lock`.
public final class InProcessWorkerTransport: WorkerTransport, @unchecked Sendable {
    struct Item {
        let header: [UInt8]
        let frames: [WireMessage.Payload]
    }

    /// How the coordinator side names this worker.
    public let peer: PeerID
    fileprivate let inbox = InProcessQueue<Item>()
    private let coordinatorInbox: InProcessQueue<InProcessCoordinatorTransport.Item>
    private let lock = NSLock()
    private var countersStorage = TransportCounters()
    private var runIDStorage: String?

    fileprivate init(peer: PeerID, coordinatorInbox: InProcessQueue<InProcessCoordinatorTransport.Item>) {
        self.peer = peer
        self.coordinatorInbox = coordinatorInbox
    }

    public var counters: TransportCounters { lock.withLock { countersStorage } }

    public var expectedRunID: String? {
        get { lock.withLock { runIDStorage } }
        set { lock.withLock { runIDStorage = newValue } }
    }

    public func send(_ message: WireMessage) throws {
        try sendRaw(header: WireCodec.encode(message.envelope), frames: message.frames)
        lock.withLock { countersStorage.sent += 1 }
    }

    /// Delivers header bytes as they are, e.g. garbage, to test how the coordinator side refuses them.
    func sendRaw(header: [UInt8], frames: [WireMessage.Payload] = []) throws {
        guard coordinatorInbox.push(.init(peer: peer, header: header, frames: frames)) else { throw WireError.closed }
    }

    public func receive(timeout: Duration?) throws -> WireMessage? {
        let deadline = timeout.map { ContinuousClock.now + $0 }
        while let item = inbox.pop(until: deadline) {
            do {
                let envelope = try WireCodec.decode(item.header)
                if let refusal = EnvelopeAdmission(runID: expectedRunID).refusal(for: envelope) { throw refusal }
                lock.withLock { countersStorage.received += 1 }
                return WireMessage(envelope: envelope, frames: item.frames)
            } catch let error as WireError {
                lock.withLock {
                    countersStorage.refused += 1
                    countersStorage.lastRefusal = error
                }
                let reply = EnvelopeAdmission.refusalReply(error, runID: expectedRunID ?? "")
                _ = coordinatorInbox.push(.init(peer: peer, header: WireCodec.encode(reply.envelope), frames: []))
            }
        }
        return nil
    }

    /// Disconnects this worker: the coordinator's sends to it throw `WireError.peerUnreachable`.
    public func close() { inbox.close() }

    static func isRefused(_ header: [UInt8]) -> Bool {
        if case .refused = (try? WireCodec.decode(header))?.body { return true }
        return false
    }
}

/// A FIFO guarded by a condition variable: any number of producers and consumers.
///
/// `@unchecked Sendable`: `items`, `head` and `closed` are only touched with `condition` locked.
final class InProcessQueue<Element>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Element?] = []
    private var head = 0
    private var closed = false

    /// Appends `item`; false (and nothing appended) once the queue is closed.
    func push(_ item: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed else { return false }
        items.append(item)
        condition.signal()
        return true
    }

    /// The oldest item, waiting until `deadline` (nil: indefinitely); nil on time-out, or when closed and
    /// empty.
    func pop(until deadline: ContinuousClock.Instant?) -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count {
            if closed { return nil }
            if let deadline {
                let left = ContinuousClock.now.duration(to: deadline)
                if left <= .zero { return nil }
                let seconds = Double(left.components.seconds) + Double(left.components.attoseconds) * 1e-18
                _ = condition.wait(until: Date(timeIntervalSinceNow: seconds))
            } else {
                condition.wait()
            }
        }
        let item = items[head]
        items[head] = nil
        head += 1
        if head > 64 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        return item
    }

    /// Wakes every waiter; later pushes fail and pops drain what is left.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
