import ArgumentParser

/// `bfpo-worker`: the compute engine of a training run, and the offline tools that run the model.
@main
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bfpo-worker",
        abstract: "Compute BFPO gradients on CPU with OpenBLAS, and run the model offline.",
        subcommands: [
            RunCommand.self, KeygenCommand.self, InitCommand.self, GradientCommand.self, EvalCommand.self, GenerateCommand.self,
            TokenizeCommand.self, MakeTokenizerCommand.self, DataStatsCommand.self,
        ]
    )
}
