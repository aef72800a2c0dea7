import Foundation

/// Listeners and connections in memory, for testing the coordinator, shard servers and workers without
/// sockets (as NIOEmbedded does for swift-nio channels): the whole system runs on it in one process.
///
/// Faithful where it matters to that logic: headers go through `WireCodec` both ways, so validation
/// and refusals (`EnvelopeAdmission`, answered with a `Refused` and counted) behave as over ZeroMQ;
/// each direction is FIFO; a send to a closed connection throws `WireError.peerUnreachable`; a
/// connection reaches whichever listener holds its endpoint when it sends, so it follows a listener that
/// closes and comes back, as a ZeroMQ DEALER reconnects. Frames the sender owns are passed by
/// reference; zero-copy regions are copied when sent, so that, as over a socket, the sender's memory is
/// free again once `send` returns (a worker reuses its gradient buffer for the next lease). Every side
/// may be used from any thread.
///
/// `@unchecked Sendable`: `listeners` and `nextPeer` are guarded by `lock`.
public final class InProcessNetwork: Network, @unchecked Sendable {
    private let lock = NSLock()
    private var listeners: [String: InProcessCoordinatorTransport] = [:]
    private var nextPeer: UInt32 = 0

    public init() {}

    /// - Throws: `WireError.unsafeEndpoint` if a listener that is still open holds `endpoint`.
    public func listen(at endpoint: String, runID: String, checksRunID: Bool) throws -> any CoordinatorTransport {
        try listener(at: endpoint, runID: runID, checksRunID: checksRunID)
    }

    public func connect(to endpoint: String, options: ConnectOptions) throws -> any WorkerTransport {
        connection(to: endpoint, options: options)
    }

    /// Memory needs no keys.
    public func recognise(_ key: CurveKey, at endpoint: String) {}

    /// `frames` as they leave a sender: zero-copy regions copied, so their owners are released at once.
    static func sent(_ frames: [WireMessage.Payload]) -> [WireMessage.Payload] {
        frames.map { frame in
            guard case .region(let region) = frame else { return frame }
            return .bytes(Array(region.bytes))
        }
    }

    /// A view of this network for one simulated machine: its transports can be unplugged together, as a
    /// process killed with -9 vanishes (for fault tests).
    public func machine() -> InProcessMachine { InProcessMachine(network: self) }

    /// `listen`, with the concrete type.
    public func listener(at endpoint: String, runID: String, checksRunID: Bool = true) throws -> InProcessCoordinatorTransport {
        try lock.withLock {
            if let existing = listeners[endpoint], !existing.isClosed {
                throw WireError.unsafeEndpoint(endpoint: endpoint, reason: "another listener holds it")
            }
            let listener = InProcessCoordinatorTransport(endpoint: endpoint, runID: runID,
                                                         admission: EnvelopeAdmission(runID: checksRunID ? runID : nil))
            listeners[endpoint] = listener
            return listener
        }
    }

    /// `connect`, with the concrete type.
    public func connection(to endpoint: String, options: ConnectOptions = ConnectOptions()) -> InProcessWorkerTransport {
        let id: UInt32 = lock.withLock {
            nextPeer += 1
            return nextPeer
        }
        let peer = PeerID(bytes: [0, UInt8(id >> 24), UInt8(id >> 16 & 0xFF), UInt8(id >> 8 & 0xFF), UInt8(id & 0xFF)])
        // Connections keep the network alive (it holds only listeners, so there is no cycle).
        return InProcessWorkerTransport(peer: peer, options: options) { self.lock.withLock { self.listeners[endpoint] } }
    }
}

/// One simulated machine on an `InProcessNetwork`: what it listens on and connects with, until `unplug`
/// cuts all of it at once — its listeners close, its connections stop sending and receiving (sends time
/// out, receives wait and get nothing), as when a process is killed with -9.
///
/// `@unchecked Sendable`: the lists and the flag are guarded by `lock`.
public final class InProcessMachine: Network, @unchecked Sendable {
    private let network: InProcessNetwork
    private let lock = NSLock()
    private var listeners: [InProcessCoordinatorTransport] = []
    private var connections: [InProcessWorkerTransport] = []
    private var unplugged = false

    fileprivate init(network: InProcessNetwork) { self.network = network }

    public func listen(at endpoint: String, runID: String, checksRunID: Bool) throws -> any CoordinatorTransport {
        let listener = try network.listener(at: endpoint, runID: runID, checksRunID: checksRunID)
        let cut = lock.withLock { () -> Bool in
            listeners.append(listener)
            return unplugged
        }
        if cut { listener.close() }
        return listener
    }

    public func connect(to endpoint: String, options: ConnectOptions) throws -> any WorkerTransport {
        let connection = network.connection(to: endpoint, options: options)
        let cut = lock.withLock { () -> Bool in
            connections.append(connection)
            return unplugged
        }
        if cut { connection.unplug() }
        return connection
    }

    public func recognise(_ key: CurveKey, at endpoint: String) {}

    /// Cuts every transport this machine made, and every one it makes afterwards (a killed process's
    /// threads may still run here; none of them reaches anyone).
    public func unplug() {
        let (listeners, connections) = lock.withLock { () -> ([InProcessCoordinatorTransport], [InProcessWorkerTransport]) in
            unplugged = true
            return (self.listeners, self.connections)
        }
        listeners.forEach { $0.close() }
        connections.forEach { $0.unplug() }
    }
}

/// A coordinator and N workers connected in memory: `InProcessNetwork` with one listener and N
/// connections, each already known to the listener (so it can be sent to before it sends).
public enum InProcessTransport {
    /// Worker sides start with no expected run id, like a worker before its `Welcome`.
    /// - Parameters:
    ///   - runID: the coordinator's run, put on its refusals and required of incoming messages.
    ///   - checksRunID: whether the coordinator side requires `runID` (a `Register` may carry none).
    public static func make(
        workers: Int, runID: String, checksRunID: Bool = true
    ) -> (coordinator: InProcessCoordinatorTransport, workers: [InProcessWorkerTransport]) {
        precondition(workers >= 0, "worker count must be non-negative")
        let network = InProcessNetwork()
        let coordinator = try! network.listener(at: "inproc://coordinator", runID: runID, checksRunID: checksRunID)
        let sides = (0..<workers).map { _ in network.connection(to: "inproc://coordinator") }
        for side in sides { coordinator.attach(side) }
        return (coordinator, sides)
    }
}

/// The listening side of `InProcessNetwork`.
///
/// `@unchecked Sendable`: the queues lock themselves; `counters` and `connections` are guarded by `lock`;
/// everything else is immutable.
public final class InProcessCoordinatorTransport: CoordinatorTransport, @unchecked Sendable {
    struct Item {
        let peer: PeerID
        let header: [UInt8]
        let frames: [WireMessage.Payload]
    }

    public let endpoint: String
    fileprivate let inbox = InProcessQueue<Item>()
    private let runID: String
    private let admission: EnvelopeAdmission
    private let lock = NSLock()
    private var connections: [PeerID: InProcessQueue<InProcessWorkerTransport.Item>] = [:]
    private var countersStorage = TransportCounters()

    fileprivate init(endpoint: String, runID: String, admission: EnvelopeAdmission) {
        self.endpoint = endpoint
        self.runID = runID
        self.admission = admission
    }

    public var counters: TransportCounters { lock.withLock { countersStorage } }
    var isClosed: Bool { inbox.isClosed }

    /// Makes `connection` reachable from this side (done by its first send, or up front by `make`).
    fileprivate func attach(_ connection: InProcessWorkerTransport) {
        lock.withLock { connections[connection.peer] = connection.inbox }
    }

    public func receive(timeout: Duration?) throws -> (peer: PeerID, message: WireMessage)? {
        let deadline = timeout.map { ContinuousClock.now + $0 }
        while let item = inbox.pop(until: deadline) {
            do {
                let envelope = try WireCodec.decode(item.header)
                if let refusal = admission.refusal(for: envelope) { throw refusal }
                let message = WireMessage(envelope: envelope, frames: item.frames)
                lock.withLock {
                    countersStorage.received += 1
                    countersStorage.payloadBytesReceived += message.payloadByteCount
                }
                return (item.peer, message)
            } catch let error as WireError {
                lock.withLock {
                    countersStorage.refused += 1
                    countersStorage.lastRefusal = error
                }
                if !InProcessWorkerTransport.isRefused(item.header) {
                    let reply = EnvelopeAdmission.refusalReply(error, runID: runID)
                    _ = lock.withLock { connections[item.peer] }?.push(.init(header: WireCodec.encode(reply.envelope), frames: []))
                }
            }
        }
        return nil
    }

    public func send(_ message: WireMessage, to peer: PeerID) throws {
        guard let queue = lock.withLock({ connections[peer] }),
              queue.push(.init(header: WireCodec.encode(message.envelope), frames: InProcessNetwork.sent(message.frames)))
        else { throw WireError.peerUnreachable(peer: peer.description) }
        lock.withLock {
            countersStorage.sent += 1
            countersStorage.payloadBytesSent += message.payloadByteCount
        }
    }

    /// Stops accepting messages; connections' sends then throw `WireError.closed` until another listener
    /// takes the endpoint. Nothing is queued to flush, so `flushing` changes nothing here.
    public func close(flushing: Duration = .zero) { inbox.close() }
}

/// A connecting side of `InProcessNetwork`.
///
/// `@unchecked Sendable`: the queues lock themselves; `counters`, `expectedRunID` and `attached` are
/// guarded by `lock`.
public final class InProcessWorkerTransport: WorkerTransport, @unchecked Sendable {
    struct Item {
        let header: [UInt8]
        let frames: [WireMessage.Payload]
    }

    /// How the listening side names this connection.
    public let peer: PeerID
    fileprivate let inbox = InProcessQueue<Item>()
    private let options: ConnectOptions
    private let resolve: () -> InProcessCoordinatorTransport?
    private let lock = NSLock()
    private var countersStorage = TransportCounters()
    private var runIDStorage: String?
    private weak var attached: InProcessCoordinatorTransport?
    private var unplugged = false

    fileprivate init(peer: PeerID, options: ConnectOptions, resolve: @escaping () -> InProcessCoordinatorTransport?) {
        self.peer = peer
        self.options = options
        self.resolve = resolve
        runIDStorage = options.runID
    }

    public var counters: TransportCounters { lock.withLock { countersStorage } }

    public var expectedRunID: String? {
        get { lock.withLock { runIDStorage } }
        set { lock.withLock { runIDStorage = newValue } }
    }

    public func send(_ message: WireMessage) throws {
        try sendRaw(header: WireCodec.encode(message.envelope), frames: InProcessNetwork.sent(message.frames))
        lock.withLock {
            countersStorage.sent += 1
            countersStorage.payloadBytesSent += message.payloadByteCount
        }
    }

    /// Delivers header bytes as they are, e.g. garbage, to test how the listening side refuses them.
    /// - Throws: `WireError.sendTimedOut` when no listener holds the endpoint, `.closed` when its
    ///   listener closed.
    func sendRaw(header: [UInt8], frames: [WireMessage.Payload] = []) throws {
        guard !lock.withLock({ unplugged }), let listener = resolve() else { throw WireError.sendTimedOut(milliseconds: options.sendTimeoutMilliseconds) }
        let fresh = lock.withLock { () -> Bool in
            defer { attached = listener }
            return attached !== listener
        }
        if fresh { listener.attach(self) }
        guard listener.inbox.push(.init(peer: peer, header: header, frames: frames)) else { throw WireError.closed }
    }

    public func receive(timeout: Duration?) throws -> WireMessage? {
        let deadline = timeout.map { ContinuousClock.now + $0 }
        if lock.withLock({ unplugged }) {
            // Nothing reaches a cut cable: wait out the time-out like a silent socket.
            if let timeout { Thread.sleep(forTimeInterval: Double(timeout.components.seconds) + Double(timeout.components.attoseconds) * 1e-18) }
            return nil
        }
        while let item = inbox.pop(until: deadline) {
            do {
                let envelope = try WireCodec.decode(item.header)
                if let refusal = EnvelopeAdmission(runID: expectedRunID).refusal(for: envelope) { throw refusal }
                let message = WireMessage(envelope: envelope, frames: item.frames)
                lock.withLock {
                    countersStorage.received += 1
                    countersStorage.payloadBytesReceived += message.payloadByteCount
                }
                return message
            } catch let error as WireError {
                lock.withLock {
                    countersStorage.refused += 1
                    countersStorage.lastRefusal = error
                }
                let reply = EnvelopeAdmission.refusalReply(error, runID: expectedRunID ?? "")
                _ = resolve()?.inbox.push(.init(peer: peer, header: WireCodec.encode(reply.envelope), frames: []))
            }
        }
        return nil
    }

    /// Disconnects: the listener's sends to it throw `WireError.peerUnreachable`.
    public func close() { inbox.close() }

    /// `InProcessMachine.unplug`: closes, and from now on sends time out and receives get nothing.
    fileprivate func unplug() {
        lock.withLock { unplugged = true }
        inbox.close()
    }

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

    var isClosed: Bool {
        condition.lock()
        defer { condition.unlock() }
        return closed
    }

    /// Wakes every waiter; later pushes fail and pops drain what is left.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
