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

    func validate() throws {
        guard (threads ?? 1) >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard giveUpAfter > 0 else { throw ValidationError("--give-up-after must be positive") }
        guard replyTimeout > 0 else { throw ValidationError("--reply-timeout must be positive") }
        guard Logger.Level(name: logLevel) != nil else { throw ValidationError("--log-level must be debug, info, warning or error") }
    }

    func run() throws {
        let name = self.name ?? "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
        let threads = self.threads ?? ProcessInfo.processInfo.activeProcessorCount
        let kernels = try BLASCoreSetup.establish(mode: blasCore, log: Logger(component: "blas", threshold: Logger.Level(name: logLevel)!))
        let log = Logger(component: name, threshold: Logger.Level(name: logLevel)!)
        let session = try WorkerSession(
            options: .init(endpoint: connect, name: name, threads: threads, blasCore: kernels.core,
                          replyTimeout: replyTimeout, giveUpAfter: giveUpAfter),
            network: try ZMQNetwork(), log: log)
        let reason = try session.run()
        log.info("stopping: \(reason)")
    }
}
