import ArgumentParser
import Foundation
import Shared

/// `bfpo-coordinator train`: run (or resume) a training run described by a recipe, with workers that
/// connect to `--bind`.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train with BFPO (or DPO, IPO, SFT) across bfpo-worker processes.",
        discussion: """
            Reads the recipe, tokenizes the data, computes reference log-probs on the workers (once; cached in \
            the run directory), then leases batches to workers and applies their gradients shard by shard. \
            Writes runs/NAME/{recipe.yaml, metrics.jsonl, tensorboard/, reference_logps.jsonl, checkpoints/}. If the run \
            directory holds a checkpoint, the run resumes from the newest one that verifies. SIGINT or SIGTERM \
            writes a checkpoint, stops the workers and exits 0.

            Recipe keys can be overridden as --set key=value or in Hugging Face's form, --key=value (e.g. \
            --learning_rate=1e-4 --use_selective=true), as the reference's launch scripts pass them; later \
            ones win. docs/recipes.md lists every key.
            """
    )

    @Option(help: "The recipe (YAML).")
    var recipe: String

    @Option(name: .customLong("run-dir"), help: "Run directory (default: the recipe's output_dir, else runs/ and the recipe's file name without extension).")
    var runDirectory: String?

    @Option(help: "ZeroMQ endpoint to bind; give an explicit address.")
    var bind = "tcp://127.0.0.1:5555"

    @Flag(help: "Require a checkpoint to resume from (without it, one is used when present).")
    var resume = false

    @Option(name: .customLong("set"), help: "Override a recipe key, as key=value (repeatable), e.g. --set learning_rate=1e-4.")
    var overrides: [String] = []

    @Option(name: .customLong("log-level"), help: "debug, info, warning or error (default: the recipe's log_level, else info).")
    var logLevel: String?

    @Argument(parsing: .allUnrecognized, help: ArgumentHelp(
        "Recipe keys in Hugging Face's form, --key=value (e.g. --learning_rate=1e-4): the same as --set key=value.",
        valueName: "--recipe-key=value"))
    var recipeArguments: [String] = []

    @Flag(help: "Listen without encryption or authentication: anyone who can reach --bind can read and steer training.")
    var insecure = false

    func validate() throws {
        if let logLevel, Logger.Level(name: logLevel) == nil { throw ValidationError("--log-level must be debug, info, warning or error") }
        do {
            _ = try Recipe.overrides(fromArguments: recipeArguments)
        } catch let error as RecipeError {
            throw ValidationError(error.description)
        }
        guard bind.hasPrefix("tcp://") || bind.hasPrefix("ipc://") else { throw ValidationError("--bind needs a tcp:// or ipc:// endpoint") }
        guard !bind.contains("*") else { throw ValidationError("--bind needs an explicit address, not a wildcard") }
    }

    func run() throws {
        var warnings: [RecipeWarning] = []
        let recipe = try Recipe.load(path: self.recipe, overrides: overrides + Recipe.overrides(fromArguments: recipeArguments)) {
            warnings.append($0)
        }
        let log = Logger(component: "coordinator", threshold: logLevel.flatMap(Logger.Level.init(name:)) ?? recipe.loggerLevel ?? .info)
        warnings.forEach { log.warning($0.description) }
        let name = ((self.recipe as NSString).lastPathComponent as NSString).deletingPathExtension
        let path = runDirectory ?? recipe.outputDir ?? ("runs" as NSString).appendingPathComponent(name)
        let setup = try TrainingSetup(recipe: recipe, runDirectory: path, log: log)
        if resume, setup.core.applied.count == 0 {
            throw RunError.incompatibleResume("--resume was given but \(path) holds no checkpoint")
        }
        let security: TransportSecurity
        let directory = setup.runDirectory
        if insecure {
            log.warning(TransportSecurity.insecureWarning)
            security = .insecure
        } else {
            security = .curve(keyPair: try directory.coordinatorKeys(), allowlistFile: directory.allowlistPath)
        }
        let network = try ZMQNetwork(security: security) { log.warning($0) }
        let transport = try network.listen(at: bind, runID: setup.settings.runID, checksRunID: true)
        if insecure {
            log.info("listening on \(transport.endpoint) (insecure); start workers with: bfpo-worker run --insecure --connect \(transport.endpoint)")
        } else {
            log.info("listening on \(transport.endpoint) (CurveZMQ); start workers with: bfpo-worker run --connect \(transport.endpoint) "
                     + "--coordinator-key \(directory.keysPath)/coordinator.pub --key NAME.key, after adding NAME.pub's line to \(directory.allowlistPath)")
        }
        let loop = try CoordinatorLoop(core: setup.core, transport: transport, settings: setup.settings, log: log)
        let started = Date()
        let reason: String
        do {
            reason = try loop.run()
            transport.close(flushing: .seconds(2))
        } catch RunError.serverFailed(let why) {
            // Steps after the last checkpoint may be applied on some servers and not on others: the only
            // consistent state is the checkpoint. A fresh start of this process resumes from it, waits
            // `servers_wait_seconds` for servers (the survivors say hello again), hands every shard to those
            // that came, or serves them all itself if none did. Workers follow it, as through any
            // coordinator restart.
            log.error("a shard server failed: \(why); restarting from the last checkpoint (step \(setup.core.lastCheckpointStep))")
            transport.close(flushing: .zero)
            try ProcessRestart.restart(changing: [])
        } catch {
            transport.close(flushing: .seconds(2))
            throw error
        }
        let core = setup.core
        let seconds = Date().timeIntervalSince(started)
        log.info("\(reason): step \(core.applied.count) of \(core.plan.totalSteps) in \(ProgressReporter.duration(seconds)); "
                 + Self.summary(core.applied.totals, seconds: seconds, evaluation: core.lastEvaluation)
                 + "; \(core.refusals) pushes refused, \(core.carriedPushes) carried by another, \(loop.malformed) malformed messages")
        log.info("metrics: \(setup.runDirectory.metricsPath); checkpoints: \(setup.runDirectory.checkpointsPath)")
    }

    /// The run's figures for its last line: this process's steps with their mean train loss and throughput,
    /// and the last evaluation's loss and accuracy when there was one.
    static func summary(_ totals: TrainingTotals, seconds: Double, evaluation: [String: Double]) -> String {
        var parts = ["this process trained \(totals.steps) steps (\(totals.tokens) tokens)"]
        if let loss = totals.meanLoss {
            parts.append(String(format: "mean train loss %.4g, %.1f pairs/s, %.0f tokens/s", loss,
                                Double(totals.pairs) / max(seconds, 1e-9), Double(totals.tokens) / max(seconds, 1e-9)))
        }
        if let loss = evaluation["eval_loss"] {
            parts.append(String(format: "last eval: eval_loss %.4g", loss)
                         + (evaluation["eval_rewards/accuracies"].map { String(format: ", eval_acc %.2f", $0) } ?? ""))
        }
        return parts.joined(separator: ", ")
    }
}
