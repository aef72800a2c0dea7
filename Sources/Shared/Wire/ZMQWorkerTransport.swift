/// A worker's transport over ZeroMQ: one DEALER connected to the coordinator.
///
/// libzmq reconnects on its own when the connection drops (`reconnectInterval`, backing off to
/// `reconnectIntervalMax`). `ZMQ_IMMEDIATE` is on, so while no connection is up a send waits (up to
/// `sendTimeoutMilliseconds`, then `WireError.sendTimedOut`) instead of queueing messages for a
/// coordinator that may never return; messages already queued when a connection drops are lost, which
/// the protocol tolerates (leases expire and are handed out again).
///
/// Threading: one thread at a time, like the socket it owns (see `ZMQSocket`); a worker runs it on its
/// session thread.
public final class ZMQWorkerTransport: WorkerTransport {
    public struct Configuration: Sendable {
        /// The coordinator's endpoint, e.g. `tcp://10.0.0.1:5555`.
        public var endpoint: String
        /// The run whose messages are admitted; nil until known (see `WorkerTransport.expectedRunID`).
        public var runID: String?
        /// How long a send waits for a connection or queue space.
        public var sendTimeoutMilliseconds = 5000
        /// First and longest wait between reconnection attempts.
        public var reconnectIntervalMilliseconds = 100
        public var reconnectIntervalMaxMilliseconds = 2000
        /// Largest frame accepted; a coordinator sending a larger one is disconnected by libzmq.
        public var maxFrameBytes = Wire.Limits.maxFrameBytes
        /// With CURVE: the listener's public key and this side's key pair; nil: plain TCP.
        public var curve: (serverKey: CurveKey, keyPair: CurveKeyPair)?

        public init(endpoint: String, runID: String? = nil) {
            self.endpoint = endpoint
            self.runID = runID
        }
    }

    public let configuration: Configuration
    public private(set) var counters = TransportCounters()
    public var expectedRunID: String?
    private let socket: ZMQSocket

    public init(configuration: Configuration, context: ZMQContext) throws {
        self.configuration = configuration
        expectedRunID = configuration.runID
        socket = try ZMQSocket(context: context, type: .dealer)
        try socket.set(.immediate(true))
        try socket.set(.sendTimeout(milliseconds: configuration.sendTimeoutMilliseconds))
        try socket.set(.reconnectInterval(milliseconds: configuration.reconnectIntervalMilliseconds))
        try socket.set(.reconnectIntervalMax(milliseconds: configuration.reconnectIntervalMaxMilliseconds))
        try socket.set(.maxMessageSize(configuration.maxFrameBytes))
        if let curve = configuration.curve {
            try socket.set(.curveClient(serverKey: curve.serverKey.bytes, publicKey: curve.keyPair.publicKey.bytes,
                                        secretKey: curve.keyPair.secretKey.bytes))
        }
        try socket.connect(configuration.endpoint)
    }

    /// Closes the socket; pending messages are dropped (linger 0).
    public func close() { socket.close() }

    public func send(_ message: WireMessage) throws {
        guard try socket.send(frames: message.outgoingFrames()) else {
            throw WireError.sendTimedOut(milliseconds: configuration.sendTimeoutMilliseconds)
        }
        counters.sent += 1
        counters.payloadBytesSent += message.payloadByteCount
    }

    public func receive(timeout: Duration?) throws -> WireMessage? {
        let clock = ContinuousClock()
        let deadline = timeout.map { clock.now + $0 }
        while true {
            let left = deadline.map { max(.zero, clock.now.duration(to: $0)) }
            do {
                guard let frames = try socket.receive(timeout: left) else { return nil }
                let message = try EnvelopeAdmission(runID: expectedRunID).admit(frames[...])
                counters.received += 1
                counters.payloadBytesReceived += message.payloadByteCount
                return message
            } catch let error as WireError {
                counters.refused += 1
                counters.lastRefusal = error
                // Tell the coordinator; a Refused is always admitted, so this one never comes here.
                let reply = EnvelopeAdmission.refusalReply(error, runID: expectedRunID ?? "")
                _ = try? socket.send(frames: reply.outgoingFrames(), dontWait: true)
            }
            if let deadline, clock.now >= deadline { return nil }
        }
    }
}
