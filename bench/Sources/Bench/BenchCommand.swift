import ArgumentParser

/// `bfpo-bench`: the benchmarks of BENCHMARKS.md. Without a subcommand it runs the compute suite of the
/// BFPO step; `row` times one config at one thread count; `transfer` measures the parameter server's
/// pull + push against raw libzmq; `publish` times a step's update and exact delta per parameter.
@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bfpo-bench",
        abstract: "Time the BFPO training step on CPU, and the parameter server's transfers against raw libzmq.",
        subcommands: [SuiteCommand.self, RowCommand.self, TransferCommand.self, PublishCommand.self, HostileCommand.self],
        defaultSubcommand: SuiteCommand.self)
}
