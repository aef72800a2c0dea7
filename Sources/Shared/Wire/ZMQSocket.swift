/// The socket types this project uses.
public enum ZMQSocketType: Sendable {
    /// The coordinator: one socket, many workers, each message prefixed with its peer's routing id.
    case router
    /// A worker: one connection to the coordinator; reconnects on its own.
    case dealer
    /// One-to-one, for a worker's compute-thread ↔ I/O-thread link over `inproc://`.
    case pair
    /// Answers each request it receives, in order: the ZAP handler's socket.
    case reply

    var code: Int32 {
        switch self {
        case .router: return ZMQOptionCode.router
        case .dealer: return ZMQOptionCode.dealer
        case .pair: return ZMQOptionCode.pair
        case .reply: return ZMQOptionCode.reply
        }
    }
}

/// A socket option and its value.
public enum ZMQSocketOption: Sendable {
    /// `ZMQ_ROUTING_ID`: how a ROUTER peer names this socket (1–255 bytes, first byte not 0).
    case routingID([UInt8])
    /// `ZMQ_LINGER`: how long `close` waits to deliver pending messages; -1 forever. Sockets start at 0.
    case linger(milliseconds: Int)
    /// `ZMQ_IMMEDIATE`: queue messages only to completed connections, so sends block (or time out)
    /// while no peer is connected instead of piling up for a peer that may never come.
    case immediate(Bool)
    /// `ZMQ_SNDHWM`: messages queued per peer before sends block (default 1000).
    case sendHighWaterMark(Int)
    /// `ZMQ_RCVHWM`: messages queued per peer before the peer's sends block (default 1000).
    case receiveHighWaterMark(Int)
    /// `ZMQ_MAXMSGSIZE`: a peer sending a larger frame is disconnected; -1 unlimited.
    case maxMessageSize(Int64)
    /// `ZMQ_RCVTIMEO`: how long a blocking receive waits; -1 forever.
    case receiveTimeout(milliseconds: Int)
    /// `ZMQ_SNDTIMEO`: how long a blocking send waits; -1 forever.
    case sendTimeout(milliseconds: Int)
    /// `ZMQ_ROUTER_MANDATORY`: a ROUTER's send to an unknown peer fails with `EHOSTUNREACH` instead of
    /// being dropped silently (and a full peer queue gives `EAGAIN` instead of a drop).
    case routerMandatory(Bool)
    /// `ZMQ_RECONNECT_IVL`: the first wait before reconnecting a dropped connection.
    case reconnectInterval(milliseconds: Int)
    /// `ZMQ_RECONNECT_IVL_MAX`: the longest wait between reconnection attempts (0: no back-off).
    case reconnectIntervalMax(milliseconds: Int)
    /// `ZMQ_CURVE_SERVER` with `ZMQ_CURVE_SECRETKEY` and `ZMQ_ZAP_DOMAIN`: peers must complete a CURVE
    /// handshake against this secret key, and the context's ZAP handler decides which client keys pass.
    case curveServer(secretKey: [UInt8], zapDomain: String)
    /// `ZMQ_CURVE_SERVERKEY`, `ZMQ_CURVE_PUBLICKEY` and `ZMQ_CURVE_SECRETKEY`: connect only to the peer
    /// holding `serverKey`'s secret, authenticating with this key pair.
    case curveClient(serverKey: [UInt8], publicKey: [UInt8], secretKey: [UInt8])
}

/// A libzmq socket: owns its handle privately (docs/conventions.md, "C libraries"), closes it in `close()`
/// or `deinit`, and keeps its `ZMQContext` alive while open.
///
/// Threading: like every libzmq socket, not thread-safe. Use it from one thread at a time; moving it to
/// another thread needs a full memory barrier (handing it over through a lock or a queue gives one).
/// The usual shape is one thread owning each socket, talking to other threads through an inproc PAIR or
/// a locked queue. Hence no `Sendable`.
///
/// Sockets start with `LINGER` 0: closing drops unsent messages instead of blocking process exit on a
/// peer that is gone; a protocol that must deliver before closing waits for a reply instead.
public final class ZMQSocket {
    public let type: ZMQSocketType
    private let context: ZMQContext
    private var handle: ZMQCall.Handle?

    public init(context: ZMQContext, type: ZMQSocketType) throws {
        self.context = context
        self.type = type
        let handle = try context.withUnsafeHandle { try ZMQCall.socket($0, type: type.code) }
        self.handle = handle
        do {
            try ZMQCall.setOption(handle, ZMQOptionCode.linger, int: 0)
        } catch {
            ZMQCall.close(handle)
            throw error
        }
    }

    deinit { close() }

    /// Closes the socket; later calls throw `WireError.closed`. Idempotent.
    public func close() {
        if let handle { ZMQCall.close(handle) }
        handle = nil
    }

    public var isClosed: Bool { handle == nil }

    /// Runs `body` with the open handle; only this module's `ZMQCall` wrappers see it.
    func withUnsafeHandle<Result>(_ body: (ZMQCall.Handle) throws -> Result) throws -> Result {
        guard let handle else { throw WireError.closed }
        return try body(handle)
    }

    // MARK: Options and endpoints

    public func set(_ option: ZMQSocketOption) throws {
        try withUnsafeHandle { h in
            switch option {
            case .routingID(let bytes): try ZMQCall.setOption(h, ZMQOptionCode.routingID, bytes: bytes)
            case .linger(let ms): try ZMQCall.setOption(h, ZMQOptionCode.linger, int: Int32(clamping: ms))
            case .immediate(let on): try ZMQCall.setOption(h, ZMQOptionCode.immediate, int: on ? 1 : 0)
            case .sendHighWaterMark(let n): try ZMQCall.setOption(h, ZMQOptionCode.sendHighWaterMark, int: Int32(clamping: n))
            case .receiveHighWaterMark(let n): try ZMQCall.setOption(h, ZMQOptionCode.receiveHighWaterMark, int: Int32(clamping: n))
            case .maxMessageSize(let bytes): try ZMQCall.setOption(h, ZMQOptionCode.maxMessageSize, int64: bytes)
            case .receiveTimeout(let ms): try ZMQCall.setOption(h, ZMQOptionCode.receiveTimeout, int: Int32(clamping: ms))
            case .sendTimeout(let ms): try ZMQCall.setOption(h, ZMQOptionCode.sendTimeout, int: Int32(clamping: ms))
            case .routerMandatory(let on): try ZMQCall.setOption(h, ZMQOptionCode.routerMandatory, int: on ? 1 : 0)
            case .reconnectInterval(let ms): try ZMQCall.setOption(h, ZMQOptionCode.reconnectInterval, int: Int32(clamping: ms))
            case .reconnectIntervalMax(let ms): try ZMQCall.setOption(h, ZMQOptionCode.reconnectIntervalMax, int: Int32(clamping: ms))
            case .curveServer(let secretKey, let domain):
                try ZMQCall.setOption(h, ZMQOptionCode.curveServer, int: 1)
                try ZMQCall.setOption(h, ZMQOptionCode.curveSecretKey, bytes: secretKey)
                try ZMQCall.setOption(h, ZMQOptionCode.zapDomain, string: domain)
            case .curveClient(let serverKey, let publicKey, let secretKey):
                try ZMQCall.setOption(h, ZMQOptionCode.curveServerKey, bytes: serverKey)
                try ZMQCall.setOption(h, ZMQOptionCode.curvePublicKey, bytes: publicKey)
                try ZMQCall.setOption(h, ZMQOptionCode.curveSecretKey, bytes: secretKey)
            }
        }
    }

    /// The endpoint last bound or connected, with the port libzmq chose for `tcp://host:*`
    /// (`ZMQ_LAST_ENDPOINT`).
    public func lastEndpoint() throws -> String {
        try withUnsafeHandle { try ZMQCall.stringOption($0, ZMQOptionCode.lastEndpoint) }
    }

    public func bind(_ endpoint: String) throws { try withUnsafeHandle { try ZMQCall.bind($0, endpoint) } }
    public func connect(_ endpoint: String) throws { try withUnsafeHandle { try ZMQCall.connect($0, endpoint) } }

    // MARK: Messages

    /// Sends `frames` as one multipart message: all of them arrive or none. `.bytes` frames are copied;
    /// `.region` frames are sent in place, their owners retained until libzmq releases them.
    ///
    /// Returns false, having delivered nothing, when the first frame would block (`dontWait`) or timed out
    /// (`ZMQ_SNDTIMEO`) — a ROUTER's first frame is the peer's routing id — or when the peer's pipe
    /// closed halfway through the message (libzmq then rolls the message back and discards the rest of
    /// its frames, which are still handed over here so that the next message starts clean). Later
    /// frames never wait: libzmq admits a message whole once its first frame is in.
    /// - Throws: `ZMQError` (e.g. `isHostUnreachable` for a ROUTER with `routerMandatory`),
    ///   `WireError.closed`.
    @discardableResult
    public func send(frames: [OutgoingFrame], dontWait: Bool = false) throws -> Bool {
        precondition(!frames.isEmpty, "a message has at least one frame")
        return try withUnsafeHandle { h in
            var delivered = true
            for (index, frame) in frames.enumerated() {
                let more = index + 1 < frames.count
                // Only the first frame may report EAGAIN; later ones are admitted with it.
                let wait = index == 0 && dontWait
                let sent: Bool
                switch frame {
                case .bytes(let bytes):
                    sent = try bytes.withUnsafeBytes { try ZMQCall.send(h, bytes: $0, more: more, dontWait: wait) }
                case .region(let region) where region.byteCount == 0:
                    sent = try ZMQCall.send(h, bytes: UnsafeRawBufferPointer(start: nil, count: 0), more: more, dontWait: wait)
                case .region(let region):
                    sent = try ZMQCall.sendZeroCopy(h, pointer: region.pointer, count: region.byteCount, owner: region.owner,
                                                   more: more, dontWait: wait)
                }
                if !sent {
                    if index == 0 { return false }
                    delivered = false
                }
            }
            return delivered
        }
    }

    /// Receives one multipart message, waiting up to `timeout` (nil: indefinitely; `.zero`: only what is
    /// already queued). Returns nil when none arrived in time.
    ///
    /// A message with more than `maxFrames` frames is drained and discarded (so the socket stays usable)
    /// and reported as `WireError.tooManyFrames`; its frames are never all held at once.
    public func receive(timeout: Duration?, maxFrames: Int = Wire.Limits.maxFramesPerMessage) throws -> [ReceivedFrame]? {
        try withUnsafeHandle { h in
            guard try !ZMQCall.pollReadable([h], timeout: timeout).isEmpty else { return nil }
            guard let first = try ReceivedFrame(socket: h, dontWait: true) else { return nil }
            var frames = [first]
            var more = first.hasMore
            var count = 1
            while more {
                // The rest of a multipart message is already queued; these receives do not wait.
                guard let frame = try ReceivedFrame(socket: h, dontWait: false) else {
                    preconditionFailure("libzmq delivered part of a multipart message")
                }
                more = frame.hasMore
                count += 1
                if count <= maxFrames { frames.append(frame) } else if count == maxFrames + 1 { frames.removeAll() }
            }
            guard count <= maxFrames else { throw WireError.tooManyFrames(count: count, limit: maxFrames) }
            return frames
        }
    }
}

