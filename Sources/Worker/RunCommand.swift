import ArgumentParser
import Foundation
import Shared

/// `bfpo-worker run`: join a coordinator and compute its leases until it says stop.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Join a training run: compute reference log-probs and gradients for a bfpo-coordinator.",
        discussion: """
            The worker needs no data and no model files: the coordinator sends the model configuration, the \
            parameters (only the shards that changed) and every batch. It heartbeats from its own thread, \
            re-registers when the coordinator restarts, and exits 0 when the coordinator ends the run.

            Connections are encrypted and authenticated with CurveZMQ: --key is this worker's secret key \
            (`bfpo-worker keygen --out NAME` makes NAME.key and NAME.pub; the coordinator admits the worker once \
            NAME.pub's line is in its RUN_DIR/keys/allowed_keys), --coordinator-key the coordinator's public key \
            (RUN_DIR/keys/coordinator.pub). The launchers in cluster/ do all of this themselves.
            """
    )

    @Option(help: "The coordinator's endpoint.")
    var connect = "tcp://127.0.0.1:5555"

    @Option(help: "Compute threads for the model: matrix products and element-wise work (default: all cores).")
    var threads: Int?

    @Option(help: "A name for logs (default: host name and process id).")
    var name: String?

    @Option(name: .customLong("give-up-after"), help: "Seconds without a coordinator before exiting with an error.")
    var giveUpAfter: Double = 600

    @Option(name: .customLong("reply-timeout"), help: "Seconds to wait for any reply before registering again.")
    var replyTimeout: Double = 30

    @Option(name: .customLong("log-level"), help: "debug, info, warning or error.")
    var logLevel = "info"

    @Option(name: .customLong("blas-core"), help: ArgumentHelp(BLASCoreMode.help))
    var blasCore: BLASCoreMode = .auto

    @Option(help: "This worker's secret key file (NAME.key from `bfpo-worker keygen`).")
    var key: String?

    @Option(name: .customLong("coordinator-key"), help: "The coordinator's public key, or the file holding it (RUN_DIR/keys/coordinator.pub).")
    var coordinatorKey: String?

    @Flag(help: "Connect without encryption or authentication (only on a network where every host is trusted).")
    var insecure = false

    func validate() throws {
        guard (threads ?? 1) >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard giveUpAfter > 0 else { throw ValidationError("--give-up-after must be positive") }
        guard replyTimeout > 0 else { throw ValidationError("--reply-timeout must be positive") }
        guard Logger.Level(name: logLevel) != nil else { throw ValidationError("--log-level must be debug, info, warning or error") }
        guard !insecure || (key == nil && coordinatorKey == nil) else { throw ValidationError("--insecure takes no --key or --coordinator-key") }
    }

    func run() throws {
        let name = self.name ?? "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
        let threads = self.threads ?? ProcessInfo.processInfo.activeProcessorCount
        let kernels = try BLASCoreSetup.establish(mode: blasCore, log: Logger(component: "blas", threshold: Logger.Level(name: logLevel)!))
        let log = Logger(component: name, threshold: Logger.Level(name: logLevel)!)
        let credentials = try PeerCredentials(insecure: insecure, keyFile: key, coordinatorKey: coordinatorKey, coordinator: connect)
        if insecure { log.warning(TransportSecurity.insecureWarning) }
        let session = try WorkerSession(
            options: .init(endpoint: connect, name: name, threads: threads, blasCore: kernels.core,
                          replyTimeout: replyTimeout, giveUpAfter: giveUpAfter),
            network: try credentials.network { log.warning($0) }, log: log)
        let reason = try session.run()
        log.info("stopping: \(reason)")
    }
}
