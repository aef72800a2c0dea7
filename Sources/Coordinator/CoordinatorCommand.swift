import ArgumentParser

/// `bfpo-coordinator`: owns a training run — recipe, data, shards, leases, checkpoints and metrics.
@main
struct CoordinatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bfpo-coordinator",
        abstract: "Coordinate distributed BFPO training across bfpo-worker processes, or serve parameter shards for it.",
        subcommands: [TrainCommand.self, ServeCommand.self]
    )
}
