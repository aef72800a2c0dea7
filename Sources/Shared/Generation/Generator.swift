/// Autoregressive generation from a prompt's token ids: the prompt is fed once through the
/// `IncrementalDecoder`, then each chosen token is fed back as one new position.
///
/// A completion never makes prompt + completion longer than the model's context, so every generated
/// sequence can also be scored by the model; generation stops at eos, at `maxNewTokens`, or when the
/// context is full (`Generation.Stop`).
public final class Generator {
    public let decoder: IncrementalDecoder

    /// - Throws: `ModelError.parameterCountMismatch` if `parameters` does not fit `config`.
    public init(config: GPT2Config, parameters: FloatBuffer, threads: Int = 1) throws {
        decoder = try IncrementalDecoder(config: config, parameters: parameters, threads: threads)
    }

    /// The completion of `prompt`.
    /// - Parameters:
    ///   - eos: the end-of-sequence id, or nil to stop only at a length.
    ///   - maxNewTokens: the most tokens to generate (≥ 1).
    ///   - sampler: picks each token; its random stream advances.
    /// - Throws: `DecoderError.promptTooLong` if the prompt leaves no room for a token, or another
    ///   `DecoderError` for an empty prompt or ids outside the vocabulary.
    public func generate(prompt: [Int], eos: Int?, maxNewTokens: Int, sampler: inout TokenSampler) throws -> Generation {
        precondition(maxNewTokens >= 1, "at least one token to generate")
        let positions = decoder.config.positions
        guard prompt.count < positions else { throw DecoderError.promptTooLong(tokens: prompt.count, positions: positions) }
        decoder.reset()
        var logits = try decoder.append(prompt)
        let limit = min(maxNewTokens, positions - prompt.count)
        var ids: [Int] = []
        ids.reserveCapacity(limit)
        while true {
            let token = sampler.next(logits)
            if token == eos { return Generation(ids: ids, stop: .eos) }
            ids.append(token)
            if ids.count == maxNewTokens { return Generation(ids: ids, stop: .length) }
            if ids.count == limit { return Generation(ids: ids, stop: .context) }
            logits = try decoder.append(token)
        }
    }
}
