/// GPT-2's initialization, as HF's `GPT2PreTrainedModel._init_weights` and the GPT-2 paper give it,
/// reproducible from a seed.
///
/// - Embeddings (`wte`, `wpe`) and the weights of `c_attn` and `c_fc`: normal(0, 0.02).
/// - The residual projections `attn.c_proj.weight` and `mlp.c_proj.weight`: normal(0, 0.02/√(2·n_layer)),
///   so the residual stream's variance does not grow with depth (two residual additions per block).
/// - LayerNorm weights 1, every bias 0.
///
/// Tensors are filled in `ParameterLayout` order from one `RandomGenerator` stream, each tensor's
/// elements in storage order, so a seed fixes every parameter bit for bit.
public enum ModelInitializer {
    /// HF's `initializer_range`: the standard deviation of the ordinary weights.
    public static let standardDeviation: Float = 0.02

    /// A new parameter vector for `config`, initialized from `seed`.
    public static func parameters(for config: GPT2Config, seed: UInt64) -> FloatBuffer {
        let layout = ParameterLayout(config: config)
        let parameters = FloatBuffer(count: layout.count)
        var generator = RandomGenerator(seed: seed)
        initialize(parameters.buffer, layout: layout, generator: &generator)
        return parameters
    }

    /// Overwrites every tensor of `parameters` (laid out as `layout`), drawing from `generator`.
    public static func initialize(
        _ parameters: UnsafeMutableBufferPointer<Float>, layout: ParameterLayout, generator: inout RandomGenerator
    ) {
        precondition(parameters.count == layout.count, "parameter buffer holds \(parameters.count) values, layout needs \(layout.count)")
        let residualDeviation = standardDeviation / Float(2 * layout.config.layers).squareRoot()
        for tensor in layout.tensors {
            let values = UnsafeMutableBufferPointer(rebasing: parameters[tensor.range])
            switch role(of: tensor.name) {
            case .one:
                values.update(repeating: 1)
            case .zero:
                values.update(repeating: 0)
            case .normal:
                for i in values.indices { values[i] = generator.nextNormal(mean: 0, standardDeviation: standardDeviation) }
            case .residualNormal:
                for i in values.indices { values[i] = generator.nextNormal(mean: 0, standardDeviation: residualDeviation) }
            }
        }
    }

    private enum Role { case one, zero, normal, residualNormal }

    private static func role(of name: String) -> Role {
        if name.hasSuffix(".bias") { return .zero }
        if name.hasSuffix("ln_1.weight") || name.hasSuffix("ln_2.weight") || name.hasSuffix("ln_f.weight") { return .one }
        if name.hasSuffix("c_proj.weight") { return .residualNormal }
        return .normal
    }
}
