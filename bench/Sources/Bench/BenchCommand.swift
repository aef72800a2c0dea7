import ArgumentParser

/// Placeholder, replaced by the benchmark work.
@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bfpo-bench")
}
