/// How a coordinator names a connected worker: opaque, stable for one connection. Over ZeroMQ it is the
/// ROUTER routing id libzmq assigned; a worker that reconnects gets a new one, so coordinator logic maps
/// worker ids to the peer of their latest message rather than the other way round.
///
/// `key` is the public key (Z85) the connection authenticated with under CURVE, nil without: a worker's
/// id is bound to it at registration, so a message naming that id over any other key is refused.
public struct PeerID: Hashable, Sendable, CustomStringConvertible {
    let bytes: [UInt8]
    public let key: String?

    init(bytes: [UInt8], key: String? = nil) {
        self.bytes = bytes
        self.key = key
    }

    public var description: String { "peer-" + bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined() }
}

/// The coordinator's side of the wire: a message from any worker, a message to one. Implementations
/// only surface messages whose header decoded and passed `EnvelopeAdmission`; the others are answered
/// with a `Refused` saying why and counted in `counters`.
public protocol CoordinatorTransport: AnyObject {
    /// The next admitted message, or nil when none arrived within `timeout` (nil: wait indefinitely).
    func receive(timeout: Duration?) throws -> (peer: PeerID, message: WireMessage)?
    /// Sends `message` to `peer`; never blocks on a slow or vanished worker.
    /// - Throws: `WireError.peerUnreachable` when the peer is gone or its queue is full.
    func send(_ message: WireMessage, to peer: PeerID) throws
    var counters: TransportCounters { get }
    /// Where peers reach this side.
    var endpoint: String { get }
    /// Stops listening. Replies still queued get up to `flushing` to leave; then they are dropped.
    func close(flushing: Duration)
}

/// A worker's side of the wire: one coordinator.
public protocol WorkerTransport: AnyObject {
    /// Sends `message` to the coordinator. - Throws: `WireError.sendTimedOut` when none takes it in time.
    func send(_ message: WireMessage) throws
    /// The next admitted message, or nil when none arrived within `timeout` (nil: wait indefinitely).
    func receive(timeout: Duration?) throws -> WireMessage?
    /// The run whose messages are admitted; nil admits any (before `Welcome` tells the worker its run).
    var expectedRunID: String? { get set }
    var counters: TransportCounters { get }
    /// Disconnects; messages not yet sent are dropped.
    func close()
}

/// How a connecting side is set up.
public struct ConnectOptions: Sendable {
    /// The run whose messages are admitted; nil admits any.
    public var runID: String?
    /// How long a send may wait for the peer to take a message.
    public var sendTimeoutMilliseconds = 5000

    public init(runID: String? = nil, sendTimeoutMilliseconds: Int = 5000) {
        self.runID = runID
        self.sendTimeoutMilliseconds = sendTimeoutMilliseconds
    }
}

/// Where a process's transports come from: ZeroMQ sockets in the binaries (`ZMQNetwork`), memory in
/// tests (`InProcessNetwork`). The coordinator, shard servers and workers take a `Network` and nothing
/// of libzmq, so the whole system runs unchanged on either (as swift-nio's embedded channel runs
/// channel handlers without sockets).
public protocol Network: AnyObject {
    /// A side that peers connect to, at `endpoint`: a coordinator, or a shard server serving workers.
    /// - Parameter runID: put on refusals, and required of incoming messages when `checksRunID`.
    func listen(at endpoint: String, runID: String, checksRunID: Bool) throws -> any CoordinatorTransport
    /// A side connected to the listener at `endpoint`. Connecting never waits: a listener that is not
    /// there yet (or restarts) is reached once it is.
    func connect(to endpoint: String, options: ConnectOptions) throws -> any WorkerTransport
    /// Records `key` as the public key of the listener at `endpoint`, learnt from a side already
    /// authenticated (a worker learns its shard servers' keys from the coordinator's `Welcome`); later
    /// connections to `endpoint` accept only the holder of its secret. Networks without keys ignore it.
    func recognise(_ key: CurveKey, at endpoint: String)
}

/// What a transport did with messages, for logs and tests.
public struct TransportCounters: Sendable, Equatable {
    /// Messages surfaced to the caller.
    public var received = 0
    /// Messages handed to the wire.
    public var sent = 0
    /// Bytes of payload frames (tensors, log-probs) in the messages sent and surfaced; headers not
    /// counted. What compression changes.
    public var payloadBytesSent = 0
    public var payloadBytesReceived = 0
    /// Messages refused (malformed header, wrong version or run, too many frames) and not surfaced.
    public var refused = 0
    /// Why the last message was refused.
    public var lastRefusal: WireError?

    public init() {}
}

/// Which decoded envelopes a transport surfaces. The protocol version is already enforced by
/// `WireCodec.decode`; this adds the run id.
///
/// - `Refused` is always admitted, whatever its version or run, so a peer learns why it was turned
///   away; transports never answer a `Refused` with a `Refused`, so refusals cannot loop.
/// - With a `runID`, other messages must carry it, except a `Register` or `ServerHello` with an empty
///   run id (a worker or shard server that does not know the run yet).
public struct EnvelopeAdmission: Sendable, Equatable {
    /// nil: any run id is admitted.
    public var runID: String?

    public init(runID: String?) { self.runID = runID }

    /// nil when `envelope` is admitted; otherwise why not.
    public func refusal(for envelope: Envelope) -> WireError? {
        if case .refused = envelope.body { return nil }
        if envelope.protocolVersion != Wire.protocolVersion {
            return .protocolVersionMismatch(received: envelope.protocolVersion, expected: Wire.protocolVersion)
        }
        guard let runID, envelope.runID != runID else { return nil }
        switch envelope.body {
        case .register where envelope.runID.isEmpty, .serverHello where envelope.runID.isEmpty: return nil
        default: break
        }
        return .runIDMismatch(received: envelope.runID, expected: runID)
    }

    /// Decodes a message and applies `refusal(for:)`.
    func admit(_ frames: ArraySlice<ReceivedFrame>) throws -> WireMessage {
        let message = try WireMessage(received: frames)
        if let refusal = refusal(for: message.envelope) { throw refusal }
        return message
    }

    /// The `Refused` answering a refused message.
    static func refusalReply(_ error: WireError, runID: String) -> WireMessage {
        WireMessage(.refused(Wire.Refused(reason: "message refused: \(error.description)", registerAgain: false)), runID: runID)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
