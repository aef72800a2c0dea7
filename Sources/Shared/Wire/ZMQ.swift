import CZeroMQ
import Foundation

/// A failed libzmq call: the function, `zmq_errno()` and `zmq_strerror`'s sentence.
public struct ZMQError: Error, Equatable, CustomStringConvertible {
    public let function: String
    public let errno: Int32
    public let message: String

    public init(function: String, errno: Int32) {
        self.function = function
        self.errno = errno
        message = String(cString: zmq_strerror(errno))
    }

    /// The context was terminated (`ETERM`): the socket can do nothing more.
    public var isTerminated: Bool { errno == ETERM }
    /// A ROUTER with `routerMandatory` was asked to send to a peer it does not know (`EHOSTUNREACH`).
    public var isHostUnreachable: Bool { errno == EHOSTUNREACH }

    public var description: String { "\(function) failed: \(message) (errno \(errno))" }
}

/// Every call into libzmq, and nothing else: the one file that calls `zmq_*` (docs/conventions.md,
/// "C libraries"). Each wrapper names its C function, retries `EINTR`, turns `-1` into a
/// thrown `ZMQError`, and reports `EAGAIN` (would block / timed out) as a `false` or `nil` result, not an
/// error. `EFAULT` and `ENOTSOCK` can only mean a dangling handle, a bug in this module, and trap.
///
/// Handles are `UnsafeMutableRawPointer`s owned by `ZMQContext` and `ZMQSocket`; they never leave
/// `Sources/Shared/Wire`.
enum ZMQCall {
    typealias Handle = UnsafeMutableRawPointer

    /// Runs `body` until it returns something other than -1 with `EINTR`; returns its result, or nil for
    /// `EAGAIN`; throws for any other error.
    private static func retrying(_ function: String, _ body: () -> Int32) throws -> Int32? {
        while true {
            let rc = body()
            if rc != -1 { return rc }
            let code = zmq_errno()
            switch code {
            case EINTR: continue
            case EAGAIN: return nil
            case EFAULT, ENOTSOCK: preconditionFailure("\(function) was given an invalid handle (errno \(code))")
            default: throw ZMQError(function: function, errno: code)
            }
        }
    }

    // MARK: Contexts

    /// The corresponding C function is `zmq_ctx_new`.
    static func contextNew() throws -> Handle {
        guard let context = zmq_ctx_new() else { throw ZMQError(function: "zmq_ctx_new", errno: zmq_errno()) }
        return context
    }

    /// The corresponding C function is `zmq_ctx_set`.
    static func contextSet(_ context: Handle, _ option: Int32, _ value: Int32) throws {
        _ = try retrying("zmq_ctx_set") { zmq_ctx_set(context, option, value) }
    }

    /// The corresponding C function is `zmq_ctx_term`; it blocks until every socket of the context is
    /// closed and their lingering messages are sent or dropped.
    static func contextTerm(_ context: Handle) {
        while zmq_ctx_term(context) == -1 && zmq_errno() == EINTR {}
    }

    // MARK: Sockets

    /// The corresponding C function is `zmq_socket`.
    static func socket(_ context: Handle, type: Int32) throws -> Handle {
        guard let socket = zmq_socket(context, type) else { throw ZMQError(function: "zmq_socket", errno: zmq_errno()) }
        return socket
    }

    /// The corresponding C function is `zmq_close`.
    static func close(_ socket: Handle) {
        _ = zmq_close(socket)
    }

    /// The corresponding C function is `zmq_setsockopt`, for an `int` option.
    static func setOption(_ socket: Handle, _ option: Int32, int value: Int32) throws {
        var value = value
        _ = try retrying("zmq_setsockopt") { zmq_setsockopt(socket, option, &value, MemoryLayout<Int32>.size) }
    }

    /// The corresponding C function is `zmq_setsockopt`, for an `int64_t` option.
    static func setOption(_ socket: Handle, _ option: Int32, int64 value: Int64) throws {
        var value = value
        _ = try retrying("zmq_setsockopt") { zmq_setsockopt(socket, option, &value, MemoryLayout<Int64>.size) }
    }

    /// The corresponding C function is `zmq_setsockopt`, for a binary option.
    static func setOption(_ socket: Handle, _ option: Int32, bytes: [UInt8]) throws {
        _ = try retrying("zmq_setsockopt") {
            bytes.withUnsafeBytes { zmq_setsockopt(socket, option, $0.baseAddress, $0.count) }
        }
    }

    /// The corresponding C function is `zmq_setsockopt`, for a string option.
    static func setOption(_ socket: Handle, _ option: Int32, string value: String) throws {
        _ = try retrying("zmq_setsockopt") {
            value.withCString { zmq_setsockopt(socket, option, $0, strlen($0)) }
        }
    }

    /// The corresponding C function is `zmq_getsockopt`, for an `int` option.
    static func intOption(_ socket: Handle, _ option: Int32) throws -> Int32 {
        var value: Int32 = 0
        var size = MemoryLayout<Int32>.size
        _ = try retrying("zmq_getsockopt") { zmq_getsockopt(socket, option, &value, &size) }
        return value
    }

    /// The corresponding C function is `zmq_getsockopt`, for a NUL-terminated string option.
    static func stringOption(_ socket: Handle, _ option: Int32) throws -> String {
        var buffer = [CChar](repeating: 0, count: 1024)
        var size = buffer.count
        _ = try retrying("zmq_getsockopt") { zmq_getsockopt(socket, option, &buffer, &size) }
        buffer[buffer.count - 1] = 0
        return String(cString: buffer)
    }

    /// The corresponding C function is `zmq_bind`.
    static func bind(_ socket: Handle, _ endpoint: String) throws {
        _ = try retrying("zmq_bind(\(endpoint))") { zmq_bind(socket, endpoint) }
    }

    /// The corresponding C function is `zmq_connect`.
    static func connect(_ socket: Handle, _ endpoint: String) throws {
        _ = try retrying("zmq_connect(\(endpoint))") { zmq_connect(socket, endpoint) }
    }

    // MARK: Sending

    /// Sends a copy of `bytes` as one frame (`more`: further frames of the message follow).
    /// Returns false when the send would block (`dontWait`) or timed out (`ZMQ_SNDTIMEO`).
    /// The corresponding C function is `zmq_send`.
    static func send(_ socket: Handle, bytes: UnsafeRawBufferPointer, more: Bool, dontWait: Bool) throws -> Bool {
        let flags = (more ? ZMQ_SNDMORE : 0) | (dontWait ? ZMQ_DONTWAIT : 0)
        return try retrying("zmq_send") { zmq_send(socket, bytes.baseAddress, bytes.count, flags) } != nil
    }

    /// Sends `count` bytes at `pointer` as one frame without copying them: the message points at the
    /// caller's memory and `owner` is retained until libzmq no longer needs it.
    ///
    /// libzmq calls the free function (which releases `owner`) once, when the last reference to the
    /// message is dropped. That happens on whichever thread drops it: a libzmq I/O thread after a tcp
    /// transport has written the bytes to the kernel (or discarded them when the peer went away), the
    /// libzmq reaper thread when the socket closes with the message still queued, the
    /// receiving thread when it closes an inproc message, or this calling thread when the send fails or
    /// the message is dropped at once (a ROUTER without a route). Releasing there is safe because Swift
    /// reference counting is atomic; the owner's `deinit` may therefore run on any of those threads and
    /// must not assume a particular one. The memory must stay valid and unchanged until the release.
    ///
    /// Returns false, and releases `owner`, when the send would block or timed out.
    /// The corresponding C functions are `zmq_msg_init_data`, `zmq_msg_send` and `zmq_msg_close`.
    static func sendZeroCopy(
        _ socket: Handle, pointer: UnsafeRawPointer, count: Int, owner: AnyObject, more: Bool, dontWait: Bool
    ) throws -> Bool {
        let flags = (more ? ZMQ_SNDMORE : 0) | (dontWait ? ZMQ_DONTWAIT : 0)
        let hint = Unmanaged.passRetained(owner).toOpaque()
        return try withUnsafeTemporaryAllocation(of: zmq_msg_t.self, capacity: 1) { storage in
            let message = storage.baseAddress!
            guard zmq_msg_init_data(message, UnsafeMutableRawPointer(mutating: pointer), count, releaseOwner, hint) == 0 else {
                Unmanaged<AnyObject>.fromOpaque(hint).release()
                throw ZMQError(function: "zmq_msg_init_data", errno: zmq_errno())
            }
            // On success libzmq owns the message (closing it afterwards is a no-op); on failure it is
            // still ours, and closing it runs the free function.
            defer { zmq_msg_close(message) }
            return try retrying("zmq_msg_send") { zmq_msg_send(message, socket, flags) } != nil
        }
    }

    // MARK: Receiving

    /// Initialises `message` and receives one frame into it. Returns false, with `message` closed, when
    /// none is ready (`dontWait`) or the receive timed out; throws with `message` closed on any error.
    /// The corresponding C functions are `zmq_msg_init`, `zmq_msg_recv` and `zmq_msg_close`.
    static func receive(_ socket: Handle, into message: UnsafeMutablePointer<zmq_msg_t>, dontWait: Bool) throws -> Bool {
        zmq_msg_init(message)
        do {
            if try retrying("zmq_msg_recv", { zmq_msg_recv(message, socket, dontWait ? ZMQ_DONTWAIT : 0) }) != nil {
                return true
            }
            zmq_msg_close(message)
            return false
        } catch {
            zmq_msg_close(message)
            throw error
        }
    }

    /// Whether more frames of the same message follow `message`. The C function is `zmq_msg_more`.
    static func messageHasMore(_ message: UnsafeMutablePointer<zmq_msg_t>) -> Bool { zmq_msg_more(message) != 0 }

    /// The frame's bytes, valid until `messageClose`. The C functions are `zmq_msg_data`, `zmq_msg_size`.
    static func messageBytes(_ message: UnsafeMutablePointer<zmq_msg_t>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: zmq_msg_data(message), count: zmq_msg_size(message))
    }

    /// A metadata property of the connection `message` came over (e.g. "User-Id", which a ZAP handler
    /// set), or nil when it has none. The corresponding C function is `zmq_msg_gets`.
    static func messageProperty(_ message: UnsafeMutablePointer<zmq_msg_t>, _ property: String) -> String? {
        guard let value = zmq_msg_gets(message, property) else { return nil }
        return String(cString: value)
    }

    /// The corresponding C function is `zmq_msg_close`.
    static func messageClose(_ message: UnsafeMutablePointer<zmq_msg_t>) { zmq_msg_close(message) }

    // MARK: Polling

    /// Indices of `sockets` with at least one message ready to receive, waiting up to `timeout` (nil:
    /// indefinitely, zero: not at all). Empty when the time ran out. `EINTR` restarts the wait with the
    /// time that is left. The corresponding C function is `zmq_poll`.
    static func pollReadable(_ sockets: [Handle], timeout: Duration?) throws -> [Int] {
        var items = sockets.map { zmq_pollitem_t(socket: $0, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0) }
        let clock = ContinuousClock()
        let deadline = timeout.map { clock.now + $0 }
        while true {
            var milliseconds = -1
            if let deadline {
                let left = clock.now.duration(to: deadline)
                milliseconds = left <= .zero ? 0 : Int((left / .milliseconds(1)).rounded(.up))
            }
            let rc = zmq_poll(&items, Int32(items.count), milliseconds)
            if rc >= 0 { break }
            let code = zmq_errno()
            if code == EINTR { continue }
            if code == EFAULT || code == ENOTSOCK { preconditionFailure("zmq_poll was given an invalid handle (errno \(code))") }
            throw ZMQError(function: "zmq_poll", errno: code)
        }
        return items.indices.filter { items[$0].revents & Int16(ZMQ_POLLIN) != 0 }
    }

    // MARK: CURVE keys

    /// A fresh CURVE key pair as 40-character Z85 texts. The corresponding C function is
    /// `zmq_curve_keypair`; it fails with `ENOTSUP` when libzmq was built without CURVE.
    static func curveKeyPair() throws -> (publicKey: String, secretKey: String) {
        var publicKey = [CChar](repeating: 0, count: 41), secretKey = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&publicKey, &secretKey) == 0 else {
            throw ZMQError(function: "zmq_curve_keypair", errno: zmq_errno())
        }
        return (String(cString: publicKey), String(cString: secretKey))
    }

    /// The public key of a Z85 secret key. The corresponding C function is `zmq_curve_public`.
    static func curvePublicKey(secretKey: String) throws -> String {
        var publicKey = [CChar](repeating: 0, count: 41)
        guard zmq_curve_public(&publicKey, secretKey) == 0 else {
            throw ZMQError(function: "zmq_curve_public", errno: zmq_errno())
        }
        return String(cString: publicKey)
    }

    /// The 32 bytes a 40-character Z85 text encodes, or nil when it is not valid Z85 of that length.
    /// The corresponding C function is `zmq_z85_decode`.
    static func z85Decode(_ text: String) -> [UInt8]? {
        guard text.utf8.count == 40 else { return nil }
        var bytes = [UInt8](repeating: 0, count: 32)
        return zmq_z85_decode(&bytes, text) == nil ? nil : bytes
    }

    /// The 40-character Z85 text of 32 bytes. The corresponding C function is `zmq_z85_encode`.
    static func z85Encode(_ bytes: [UInt8]) -> String? {
        guard bytes.count == 32 else { return nil }
        var text = [CChar](repeating: 0, count: 41)
        return zmq_z85_encode(&text, bytes, bytes.count) == nil ? nil : String(cString: text)
    }

    /// Whether this libzmq supports `capability` (e.g. "curve"). The corresponding C function is `zmq_has`.
    static func has(_ capability: String) -> Bool { zmq_has(capability) != 0 }

    // MARK: Version

    /// libzmq's version as "major.minor.patch". The corresponding C function is `zmq_version`.
    static func version() -> String {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return "\(major).\(minor).\(patch)"
    }
}

/// The free function of zero-copy frames: releases the owner retained by `ZMQCall.sendZeroCopy`.
/// Runs on whichever thread drops the message's last reference (see `sendZeroCopy`).
private let releaseOwner: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Void = { _, hint in
    guard let hint else { return }
    Unmanaged<AnyObject>.fromOpaque(hint).release()
}

/// libzmq's option and socket-type numbers, so that other files need not import CZeroMQ.
enum ZMQOptionCode {
    static let ioThreads = ZMQ_IO_THREADS
    static let routingID = ZMQ_ROUTING_ID
    static let linger = ZMQ_LINGER
    static let immediate = ZMQ_IMMEDIATE
    static let sendHighWaterMark = ZMQ_SNDHWM
    static let receiveHighWaterMark = ZMQ_RCVHWM
    static let maxMessageSize = ZMQ_MAXMSGSIZE
    static let receiveTimeout = ZMQ_RCVTIMEO
    static let sendTimeout = ZMQ_SNDTIMEO
    static let routerMandatory = ZMQ_ROUTER_MANDATORY
    static let reconnectInterval = ZMQ_RECONNECT_IVL
    static let reconnectIntervalMax = ZMQ_RECONNECT_IVL_MAX
    static let lastEndpoint = ZMQ_LAST_ENDPOINT
    static let curveServer = ZMQ_CURVE_SERVER
    static let curvePublicKey = ZMQ_CURVE_PUBLICKEY
    static let curveSecretKey = ZMQ_CURVE_SECRETKEY
    static let curveServerKey = ZMQ_CURVE_SERVERKEY
    static let zapDomain = ZMQ_ZAP_DOMAIN
    static let router = ZMQ_ROUTER
    static let dealer = ZMQ_DEALER
    static let pair = ZMQ_PAIR
    static let reply = ZMQ_REP
}
