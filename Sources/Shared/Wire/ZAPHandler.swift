import Foundation

/// Decides which CURVE clients may connect to the listening sockets of one `ZMQContext`: libzmq asks, per
/// handshake, over `inproc://zeromq.zap.01` (the ZAP protocol, ZeroMQ RFC 27), and this thread answers
/// 200 for a client key in the allowlist file and 400 for any other, or for a client without CURVE.
///
/// The file is read again for every handshake (they are rare: one per connection), so a key appended
/// while the run goes on is honoured at once and a removed one refused at the next connection. An
/// unreadable or malformed file refuses everyone rather than falling back to anything.
///
/// The answer names the client by its public key (ZAP's user id), which libzmq attaches to every message
/// of the connection (`ReceivedFrame.authenticatedKey`): that is what binds a worker's id to its key.
///
/// Must be running before a CURVE server socket binds, and for as long as it listens: libzmq lets a
/// handshake through unauthenticated when no handler is bound. Hence `ZMQNetwork` starts it first and
/// keeps it for the network's life.
final class ZAPHandler: @unchecked Sendable {
    static let endpoint = "inproc://zeromq.zap.01"
    /// The ZAP domain this project's listeners use.
    static let domain = "bfpo"

    private let lock = NSLock()
    private var stopped = false
    private var refusedKeys: Set<String> = []
    private let done = DispatchSemaphore(value: 0)
    private let allowlistFile: String
    private let log: @Sendable (String) -> Void

    /// Binds the handler's socket (so that it exists when this returns) and starts answering.
    init(context: ZMQContext, allowlistFile: String, log: @escaping @Sendable (String) -> Void) throws {
        self.allowlistFile = allowlistFile
        self.log = log
        let socket = try ZMQSocket(context: context, type: .reply)
        try socket.bind(Self.endpoint)
        let box = SocketBox(socket)
        let thread = Thread { [self] in serve(box.socket) }
        thread.name = "bfpo-zap"
        thread.start()
    }

    /// Stops answering and closes the socket; returns once it has.
    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
        done.wait()
    }

    private func serve(_ socket: ZMQSocket) {
        while true {
            lock.lock()
            let stop = stopped
            lock.unlock()
            if stop { break }
            guard let frames = (try? socket.receive(timeout: .milliseconds(100), maxFrames: 16)) ?? nil else { continue }
            let request = frames.map(\.bytes)
            _ = try? socket.send(frames: answer(request).map { .bytes($0) })
        }
        socket.close()
        done.signal()
    }

    /// The reply frames for one request: version, request id, status code, status text, user id, metadata.
    func answer(_ request: [[UInt8]]) -> [[UInt8]] {
        guard request.count >= 6, request[0] == Array("1.0".utf8) else {
            return reply(request.count > 1 ? request[1] : [], code: "500", text: "malformed ZAP request")
        }
        let id = request[1], mechanism = String(decoding: request[5], as: UTF8.self)
        guard mechanism == "CURVE", request.count == 7, let key = ZMQCall.z85Encode(request[6]).flatMap(CurveKey.init(z85:)) else {
            return reply(id, code: "400", text: "CURVE is required")
        }
        let allowed: Bool
        do {
            allowed = try KeyAllowlist(contentsOf: allowlistFile).allows(key)
        } catch {
            log("refusing every connection: \(error)")
            return reply(id, code: "500", text: "the allowlist cannot be read")
        }
        guard allowed else {
            noteRefusal(of: key)
            return reply(id, code: "400", text: "key not allowed")
        }
        return reply(id, code: "200", text: "OK", user: key.z85)
    }

    private func reply(_ id: [UInt8], code: String, text: String, user: String = "") -> [[UInt8]] {
        [Array("1.0".utf8), id, Array(code.utf8), Array(text.utf8), Array(user.utf8), []]
    }

    /// Logs each refused key once (a stranger retrying every second must not flood the log); remembers
    /// at most 1 000 of them.
    private func noteRefusal(of key: CurveKey) {
        lock.lock()
        let first = refusedKeys.count < 1000 && refusedKeys.insert(key.z85).inserted
        lock.unlock()
        if first { log("refused a connection from key \(key.z85): not in \(allowlistFile)") }
    }
}

/// Hands a socket made on one thread to the thread that will own it (the start of a `Thread` is a full
/// memory barrier, which `ZMQSocket` asks for).
private final class SocketBox: @unchecked Sendable {
    let socket: ZMQSocket
    init(_ socket: ZMQSocket) { self.socket = socket }
}
