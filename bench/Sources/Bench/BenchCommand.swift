import ArgumentParser

/// `bfpo-bench`: the compute benchmark of the BFPO step (see BENCHMARKS.md). Without a subcommand it
/// runs the whole suite; `row` times one config at one thread count.
@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bfpo-bench",
        abstract: "Time the BFPO training step (forward + backward on chosen and rejected) on CPU.",
        subcommands: [SuiteCommand.self, RowCommand.self, TransferCommand.self],
        defaultSubcommand: SuiteCommand.self)
}
