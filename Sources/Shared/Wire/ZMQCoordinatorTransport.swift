/// The coordinator's transport over ZeroMQ: one ROUTER bound to an explicit address.
///
/// Refuses wildcard binds (`*`, `0.0.0.0`, `::`): a coordinator listens on the one interface its
/// workers reach it by, never on all of them. The ROUTER is `ROUTER_MANDATORY`, so
/// a send to a worker that has gone is an error (`WireError.peerUnreachable`) instead of a silent drop,
/// and sends never block: a worker whose queue is full is treated the same way.
///
/// Threading: one thread at a time, like the socket it owns (see `ZMQSocket`).
public final class ZMQCoordinatorTransport: CoordinatorTransport {
    public struct Configuration: Sendable {
        /// Where to bind; default `tcp://127.0.0.1:5555`. A port of `*` lets libzmq choose (see `endpoint`).
        public var endpoint = "tcp://127.0.0.1:5555"
        /// This run's id: put on every reply, and required of incoming messages (see `EnvelopeAdmission`).
        public var runID: String
        /// Whether incoming messages must carry `runID` (a `Register` may always carry an empty one).
        public var checksRunID = true
        /// Largest frame accepted; a peer sending a larger one is disconnected by libzmq.
        public var maxFrameBytes = Wire.Limits.maxFrameBytes
        /// Messages queued per peer, each direction. An honest peer has a few outstanding on a connection
        /// (a worker's session one request, its push thread one push, its heartbeats none answered; a
        /// server one step message), so 16 never slows one, and bounds what a peer that sends and never
        /// reads can pin here to 16 replies (more are refused as unreachable and dropped); libzmq drops a
        /// peer's queue when it disconnects.
        public var highWaterMark = 16
        /// With a secret key, clients must complete a CURVE handshake with it and pass the context's ZAP
        /// handler; nil: plain TCP.
        public var curveSecretKey: CurveKey?

        public init(runID: String, endpoint: String = "tcp://127.0.0.1:5555") {
            self.runID = runID
            self.endpoint = endpoint
        }
    }

    public let configuration: Configuration
    /// The bound endpoint, with the port libzmq chose if the configuration said `*`.
    public let endpoint: String
    public private(set) var counters = TransportCounters()
    private let socket: ZMQSocket
    private let admission: EnvelopeAdmission

    /// Binds. - Throws: `WireError.unsafeEndpoint` for a wildcard address, `ZMQError` from libzmq (e.g.
    ///   address in use).
    public init(configuration: Configuration, context: ZMQContext) throws {
        try Self.requireExplicitAddress(configuration.endpoint)
        self.configuration = configuration
        admission = EnvelopeAdmission(runID: configuration.checksRunID ? configuration.runID : nil)
        socket = try ZMQSocket(context: context, type: .router)
        try socket.set(.routerMandatory(true))
        try socket.set(.maxMessageSize(configuration.maxFrameBytes))
        try socket.set(.sendHighWaterMark(configuration.highWaterMark))
        try socket.set(.receiveHighWaterMark(configuration.highWaterMark))
        if let secretKey = configuration.curveSecretKey {
            try socket.set(.curveServer(secretKey: secretKey.bytes, zapDomain: ZAPHandler.domain))
        }
        try socket.bind(configuration.endpoint)
        endpoint = try socket.lastEndpoint()
    }

    /// Closes the socket. Replies still queued get up to `flushing` to leave, while the context
    /// terminates; the default drops them (linger 0).
    ///
    /// A finished run closes with a flush: the last worker's `Stop` is often queued a moment before the
    /// loop ends, and dropped it would leave that worker retrying until it gives up.
    public func close(flushing: Duration = .zero) {
        let milliseconds = flushing.components.seconds * 1000 + flushing.components.attoseconds / 1_000_000_000_000_000
        if milliseconds > 0 { try? socket.set(.linger(milliseconds: Int(milliseconds))) }
        socket.close()
    }

    public func receive(timeout: Duration?) throws -> (peer: PeerID, message: WireMessage)? {
        let clock = ContinuousClock()
        let deadline = timeout.map { clock.now + $0 }
        while true {
            let left = deadline.map { max(.zero, clock.now.duration(to: $0)) }
            let frames: [ReceivedFrame]
            do {
                guard let received = try socket.receive(timeout: left) else { return nil }
                frames = received
            } catch let error as WireError {
                // Too many frames: drained already, and the peer cannot be named to answer it.
                record(error)
                continue
            }
            guard let routing = frames.first else { continue }
            // The ROUTER makes the routing frame itself; the connection's metadata comes with the peer's frames.
            let peer = PeerID(bytes: routing.bytes, key: frames.dropFirst().first?.authenticatedKey)
            do {
                let message = try admission.admit(frames.dropFirst())
                counters.received += 1
                counters.payloadBytesReceived += message.payloadByteCount
                return (peer, message)
            } catch let error as WireError {
                record(error)
                if !isRefused(frames.dropFirst()) {
                    // Best effort: a peer that cannot take the answer right now does not get one.
                    _ = try? sendFrames(EnvelopeAdmission.refusalReply(error, runID: configuration.runID), to: peer)
                }
            }
            if let deadline, clock.now >= deadline { return nil }
        }
    }

    public func send(_ message: WireMessage, to peer: PeerID) throws {
        guard try sendFrames(message, to: peer) else { throw WireError.peerUnreachable(peer: peer.description) }
        counters.sent += 1
        counters.payloadBytesSent += message.payloadByteCount
    }

    private func sendFrames(_ message: WireMessage, to peer: PeerID) throws -> Bool {
        do {
            return try socket.send(frames: [.bytes(peer.bytes)] + message.outgoingFrames(), dontWait: true)
        } catch let error as ZMQError where error.isHostUnreachable {
            return false
        }
    }

    private func record(_ error: WireError) {
        counters.refused += 1
        counters.lastRefusal = error
    }

    /// Whether a refused message was itself a `Refused` (never answered, so refusals cannot loop). Only
    /// well-formed Refused envelopes are admitted anyway, so anything that fails here is not one.
    private func isRefused(_ frames: ArraySlice<ReceivedFrame>) -> Bool {
        guard let header = frames.first, let envelope = try? header.withUnsafeBytes({ try WireCodec.decode($0) }) else {
            return false
        }
        if case .refused = envelope.body { return true }
        return false
    }

    /// Rejects endpoints that listen on every interface.
    static func requireExplicitAddress(_ endpoint: String) throws {
        guard let schemeEnd = endpoint.range(of: "://") else {
            throw WireError.unsafeEndpoint(endpoint: endpoint, reason: "it has no transport prefix such as tcp://")
        }
        let scheme = endpoint[..<schemeEnd.lowerBound]
        guard scheme == "tcp" else { return }  // ipc:// and inproc:// name one place by construction
        let rest = endpoint[schemeEnd.upperBound...]
        guard let colon = rest.lastIndex(of: ":") else {
            throw WireError.unsafeEndpoint(endpoint: endpoint, reason: "it has no port")
        }
        var host = String(rest[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let wildcards: Set<String> = ["", "*", "0.0.0.0", "::", "0:0:0:0:0:0:0:0"]
        guard !wildcards.contains(host) else {
            throw WireError.unsafeEndpoint(endpoint: endpoint, reason: "it listens on every interface; name one address, e.g. tcp://127.0.0.1:5555")
        }
    }
}
