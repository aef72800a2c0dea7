import ArgumentParser

/// How each row is timed: shared by `suite`, which passes them on to every `row` it starts, and `row`.
struct StepOptions: ParsableArguments {
    @Option(help: "Timed steps per row (default: the config's, 10 for small, 3 for gpt2-124m).")
    var steps: Int?

    @Option(help: "Untimed warm-up steps per row.")
    var warmup = 1

    @Option(help: "Seed of the step data (the PyTorch reference uses the same).")
    var seed: UInt64 = 1234

    func validate() throws {
        guard (steps ?? 1) >= 1, warmup >= 0 else { throw ValidationError("--steps ≥ 1 and --warmup ≥ 0") }
    }

    /// The same options as `row` arguments.
    var arguments: [String] {
        ["--warmup", "\(warmup)", "--seed", "\(seed)"] + (steps.map { ["--steps", "\($0)"] } ?? [])
    }
}
