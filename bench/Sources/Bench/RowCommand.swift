import ArgumentParser
import Foundation
import Shared

/// Times the BFPO step for one config at one thread count and prints one `RowResult` JSON line.
///
/// Run by the suite as a child process per row, so that each row's peak RSS is its own.
/// The timed step is what a worker does per batch: zero the gradient, `accumulateGradient` (pack,
/// forward over chosen and rejected together, BFPO loss, backward), with the reference log-probs
/// computed once beforehand.
struct RowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "row", abstract: "Time one config at one thread count; print one JSON line.")

    @Option(help: "Config name: \(BenchConfig.all.map(\.name).joined(separator: ", ")).")
    var config: String

    @Option(help: "Compute threads: matrix products and element-wise work.")
    var threads: Int

    @OptionGroup var timing: StepOptions

    @Option(name: .customLong("blas-core"), help: ArgumentHelp(BLASCoreMode.help))
    var blasCore: BLASCoreMode = .auto

    func validate() throws {
        guard BenchConfig.named(config) != nil else { throw ValidationError("unknown config \(config)") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        let kernels = try BLASCoreSetup.establish(mode: blasCore, log: Logger(component: "blas"))
        let bench = BenchConfig.named(config)!
        let steps = timing.steps ?? bench.defaultSteps
        let model = GPT2(config: bench.model)
        let parameters = ModelInitializer.parameters(for: bench.model, seed: 0)
        let gradients = FloatBuffer(count: model.layout.count)
        let data = try StepData(config: bench, seed: timing.seed)
        let engine = GradientEngine(model: model, objective: try Objective(kind: .bfpo), threads: threads)
        let reference = try engine.logProbs(parameters: parameters.pointer, pairs: data.pairs)

        var loss = 0.0
        func step() throws {
            gradients.zero()
            let result = try engine.accumulateGradient(
                parameters: parameters.pointer, pairs: data.pairs, reference: reference,
                normalizer: Double(data.pairs.count), into: gradients.pointer)
            loss = result.pairs.reduce(0) { $0 + $1.loss.loss } / Double(result.pairs.count)
        }
        for _ in 0..<timing.warmup { try step() }
        // Each step is timed on its own; the median resists the odd slow step a shared VM produces.
        let clock = ContinuousClock()
        let (busyBefore, ownBefore, wallBefore) = (Machine.machineBusySeconds, Machine.processCPUSeconds, clock.now)
        var times: [Double] = []
        for _ in 0..<steps {
            let start = clock.now
            try step()
            times.append((clock.now - start).seconds)
        }
        // CPUs' worth of work other processes (and the hypervisor, as steal) did while we were timing:
        // a benchmark on a shared machine is only as good as this number is small.
        var otherLoad: Double?
        if let busyBefore, let busyAfter = Machine.machineBusySeconds {
            let own = Machine.processCPUSeconds - ownBefore
            otherLoad = max(0, (busyAfter - busyBefore - own) / (clock.now - wallBefore).seconds)
        }
        times.sort()
        let seconds = steps % 2 == 1 ? times[steps / 2] : (times[steps / 2 - 1] + times[steps / 2]) / 2

        let flops = StepFLOPs(config: bench.model, batch: try data.packed(for: bench.model))
        let row = RowResult(
            config: bench.name, layers: bench.layers, heads: bench.heads, embd: bench.embedding,
            vocab: bench.vocabulary, tokens: bench.tokensPerSequence, pairs: bench.pairs, threads: threads,
            steps: steps, secondsPerStep: seconds, secondsPerStepMean: times.reduce(0, +) / Double(steps),
            tokensPerSecond: Double(data.tokens) / seconds,
            gflopPerStep: flops.total / 1e9, gflopLayerMatmuls: flops.layerMatmuls / 1e9,
            gflopAttention: flops.attention / 1e9, gflopHead: flops.head / 1e9,
            gflops: flops.total / seconds / 1e9, peakRSSMiB: Machine.peakRSSMiB, loss: loss,
            dataChecksum: data.checksum, otherLoadCPUs: otherLoad, blasCore: kernels.core)
        print(try row.jsonLine())
    }
}

extension Encodable {
    /// The value as one line of JSON with sorted keys.
    func jsonLine() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
