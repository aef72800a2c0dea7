/// What a worker or shard server needs to reach its coordinator under its security mode, read from the
/// files its command line names.
public struct PeerCredentials: Sendable {
    public let security: TransportSecurity
    /// The listeners' public keys known from the start: the coordinator's.
    public let listenerKeys: [String: CurveKey]

    /// - Parameters:
    ///   - keyFile: this process's secret key file (`NAME.key` of `bfpo-worker keygen`).
    ///   - coordinatorKey: the coordinator's public key, as Z85 or the path of `RUN_DIR/keys/coordinator.pub`.
    ///   - coordinator: the coordinator's endpoint.
    ///   - allowlistFile: for a process that also listens (a shard server): the client keys it admits.
    /// - Throws: `SecurityError` naming what is missing or wrong.
    public init(insecure: Bool, keyFile: String?, coordinatorKey: String?, coordinator: String, allowlistFile: String? = nil) throws {
        if insecure {
            security = .insecure
            listenerKeys = [:]
            return
        }
        guard let keyFile, let coordinatorKey else {
            throw SecurityError.missingKey("""
                connections are authenticated with CURVE by default: give --key NAME.key (made by `bfpo-worker keygen --out NAME`, \
                with NAME.pub's line added to the coordinator's RUN_DIR/keys/allowed_keys) and --coordinator-key \
                RUN_DIR/keys/coordinator.pub, or --insecure to turn authentication and encryption off
                """)
        }
        security = .curve(keyPair: try KeyFiles.readPair(secretKeyFile: keyFile), allowlistFile: allowlistFile)
        listenerKeys = [coordinator: try KeyFiles.publicKey(coordinatorKey)]
    }

    /// The network these credentials open connections with; `log` hears the keys a listener refused.
    public func network(log: @escaping @Sendable (String) -> Void) throws -> ZMQNetwork {
        try ZMQNetwork(security: security, listenerKeys: listenerKeys, log: log)
    }
}
