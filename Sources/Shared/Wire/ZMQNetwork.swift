import Foundation

/// The binaries' `Network`: ROUTER sockets listen, DEALER sockets connect, all in one libzmq context,
/// under one `TransportSecurity`.
///
/// With CURVE, the first listener starts the context's `ZAPHandler` (before it binds, so no handshake is
/// ever let through unauthenticated), which lives as long as the network; a connection needs the public
/// key of the listener it goes to, given at `init` (a worker's coordinator) or `recognise`d later (the
/// shard servers a `Welcome` names).
///
/// `@unchecked Sendable`: a worker's threads connect through one network; the listeners' keys and the
/// handler are guarded by `lock`, the rest is immutable.
public final class ZMQNetwork: Network, @unchecked Sendable {
    private let context: ZMQContext
    private let security: TransportSecurity
    private let log: @Sendable (String) -> Void
    private let lock = NSLock()
    private var authenticator: ZAPHandler?
    private var listenerKeys: [String: CurveKey]

    /// - Parameters:
    ///   - listenerKeys: the public keys of listeners known from the start, by endpoint.
    ///   - log: where the ZAP handler reports refused keys.
    public init(security: TransportSecurity, listenerKeys: [String: CurveKey] = [:],
                log: @escaping @Sendable (String) -> Void = { _ in }) throws {
        context = try ZMQContext()
        self.security = security
        self.listenerKeys = listenerKeys
        self.log = log
    }

    deinit { authenticator?.stop() }

    public func listen(at endpoint: String, runID: String, checksRunID: Bool) throws -> any CoordinatorTransport {
        var configuration = ZMQCoordinatorTransport.Configuration(runID: runID, endpoint: endpoint)
        configuration.checksRunID = checksRunID
        if case .curve(let keyPair, let allowlistFile) = security {
            guard let allowlistFile else { throw SecurityError.missingKey("listening with CURVE needs an allowlist of client keys") }
            try lock.withLock {
                if authenticator == nil { authenticator = try ZAPHandler(context: context, allowlistFile: allowlistFile, log: log) }
            }
            configuration.curveSecretKey = keyPair.secretKey
        }
        return try ZMQCoordinatorTransport(configuration: configuration, context: context)
    }

    /// - Throws: `SecurityError.missingKey` under CURVE when the listener's key is not known.
    public func connect(to endpoint: String, options: ConnectOptions) throws -> any WorkerTransport {
        var configuration = ZMQWorkerTransport.Configuration(endpoint: endpoint, runID: options.runID)
        configuration.sendTimeoutMilliseconds = options.sendTimeoutMilliseconds
        if case .curve(let keyPair, _) = security {
            guard let serverKey = lock.withLock({ listenerKeys[endpoint] }) else {
                throw SecurityError.missingKey("connecting to \(endpoint) with CURVE needs its public key, and none was given")
            }
            configuration.curve = (serverKey: serverKey, keyPair: keyPair)
        }
        return try ZMQWorkerTransport(configuration: configuration, context: context)
    }

    public func recognise(_ key: CurveKey, at endpoint: String) {
        lock.withLock { listenerKeys[endpoint] = key }
    }
}
