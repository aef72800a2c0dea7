import ArgumentParser
import Foundation
import Shared

/// `bfpo-coordinator serve`: a shard server on a node of its own (docs/parameter-servers.md).
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a share of a run's parameter shards to workers, on a node of its own.",
        discussion: """
            Connects to a coordinator started with `servers_expected` ≥ 1 (recipe key or --set), which hands this \
            server a contiguous run of shards with their optimizer state. Workers then pull those shards from and \
            push their gradients to --bind directly; the coordinator only tells the server which pushes make each \
            step and the clipping scale. Exits 0 when the coordinator ends the run.

            Connections are encrypted and authenticated with CurveZMQ: --key is this server's secret key (from \
            `bfpo-worker keygen`; its .pub line must be in the coordinator's RUN_DIR/keys/allowed_keys), \
            --coordinator-key the coordinator's public key, --allowed-keys the workers this server admits (the \
            coordinator's allowlist will do). The launchers in cluster/ set all of it up.
            """
    )

    @Option(help: "The coordinator's endpoint.")
    var connect = "tcp://127.0.0.1:5555"

    @Option(help: "ZeroMQ endpoint to bind for workers, with an explicit address workers can reach, e.g. tcp://10.0.0.2:5601.")
    var bind: String

    @Option(help: "A name for logs (default: host name and process id).")
    var name: String?

    @Option(name: .customLong("give-up-after"), help: "Seconds without a coordinator before exiting with an error.")
    var giveUpAfter: Double = 600

    @Option(name: .customLong("log-level"), help: "debug, info, warning or error.")
    var logLevel = "info"

    @Option(help: "This server's secret key file (NAME.key from `bfpo-worker keygen`).")
    var key: String?

    @Option(name: .customLong("coordinator-key"), help: "The coordinator's public key, or the file holding it (RUN_DIR/keys/coordinator.pub).")
    var coordinatorKey: String?

    @Option(name: .customLong("allowed-keys"), help: "The public keys of the workers this server admits, one per line (read again at each connection).")
    var allowedKeys: String?

    @Flag(help: "Serve and connect without encryption or authentication (only on a network where every host is trusted).")
    var insecure = false

    func validate() throws {
        guard Logger.Level(name: logLevel) != nil else { throw ValidationError("--log-level must be debug, info, warning or error") }
        guard bind.hasPrefix("tcp://") || bind.hasPrefix("ipc://") else { throw ValidationError("--bind needs a tcp:// or ipc:// endpoint") }
        guard !bind.contains("*") else { throw ValidationError("--bind needs an explicit address and port, not a wildcard") }
        guard giveUpAfter > 0 else { throw ValidationError("--give-up-after must be positive") }
        if insecure {
            guard key == nil, coordinatorKey == nil, allowedKeys == nil else {
                throw ValidationError("--insecure takes no --key, --coordinator-key or --allowed-keys")
            }
        } else {
            guard allowedKeys != nil else { throw ValidationError("--allowed-keys names the workers this server admits (or give --insecure)") }
        }
    }

    func run() throws {
        let name = self.name ?? "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
        let log = Logger(component: name, threshold: Logger.Level(name: logLevel)!)
        let credentials = try PeerCredentials(insecure: insecure, keyFile: key, coordinatorKey: coordinatorKey, coordinator: connect,
                                              allowlistFile: allowedKeys)
        if insecure { log.warning(TransportSecurity.insecureWarning) }
        let session = try ServerSession(
            options: .init(coordinator: connect, bind: bind, name: name, giveUpAfter: giveUpAfter),
            network: try credentials.network { log.warning($0) }, log: log)
        log.info("shard server listening on \(session.endpoint); saying hello to \(connect)")
        let reason = try session.run()
        log.info("stopping: \(reason)")
    }
}
