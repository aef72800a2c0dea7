import Testing
@testable import Shared

private let config = GPT2Config(layers: 2, heads: 2, embedding: 64, positions: 64, vocabulary: 512)

/// Mean and (population) standard deviation of the named tensors' values together.
private func statistics(_ parameters: FloatBuffer, _ include: (String) -> Bool) -> (mean: Double, deviation: Double, count: Int) {
    let values = ParameterLayout(config: config).tensors.filter { include($0.name) }.flatMap { parameters.buffer[$0.range] }.map(Double.init)
    let mean = values.reduce(0, +) / Double(values.count)
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
    return (mean, variance.squareRoot(), values.count)
}

@Test func layerNormWeightsAreOneAndBiasesZero() {
    let parameters = ModelInitializer.parameters(for: config, seed: 3)
    for spec in ParameterLayout(config: config).tensors {
        let values = parameters.buffer[spec.range]
        if spec.name.hasSuffix(".bias") {
            #expect(values.allSatisfy { $0.bitPattern == 0 }, "\(spec.name)")
        } else if spec.name.contains(".ln_") {
            #expect(values.allSatisfy { $0 == 1 }, "\(spec.name)")
        }
    }
}

/// The sample standard deviation of n normal draws has relative standard error about 1/√(2n): 0.4% for
/// wte's 32,768 values, under 1% for the others, so a 4% tolerance fails only on a real error.
@Test func weightDeviationsMatchGPT2Initialization() {
    let parameters = ModelInitializer.parameters(for: config, seed: 3)
    let groups: [(String, (String) -> Bool, Double)] = [
        ("wte", { $0.hasSuffix("wte.weight") }, 0.02),
        ("wpe", { $0.hasSuffix("wpe.weight") }, 0.02),
        ("c_attn", { $0.hasSuffix("c_attn.weight") }, 0.02),
        ("c_fc", { $0.hasSuffix("c_fc.weight") }, 0.02),
        ("c_proj", { $0.hasSuffix("c_proj.weight") }, 0.02 / (2.0 * Double(config.layers)).squareRoot()),
    ]
    for (name, include, expected) in groups {
        let (mean, deviation, count) = statistics(parameters, include)
        print("\(name): \(count) values, std \(deviation) (expected \(expected)), mean \(mean)")
        #expect(abs(deviation / expected - 1) < 0.04, "\(name) std \(deviation), expected \(expected)")
        #expect(abs(mean) < 5 * expected / Double(count).squareRoot(), "\(name) mean \(mean)")
    }
}

@Test func initializationIsDeterministicPerSeed() {
    let a = ModelInitializer.parameters(for: config, seed: 42).array.map(\.bitPattern)
    let b = ModelInitializer.parameters(for: config, seed: 42).array.map(\.bitPattern)
    let c = ModelInitializer.parameters(for: config, seed: 43).array.map(\.bitPattern)
    #expect(a == b)
    #expect(a != c)
}
