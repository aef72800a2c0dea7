/// `max_length` / `max_prompt_length` truncation as the reference's trainer does it (TRL before 0.29,
/// `truncation_mode` "keep_end"), with responses cut to the room the kept prompt leaves:
///
/// 1. If prompt + the longer of the two responses exceeds `maxLength`, keep the last `maxPromptLength`
///    prompt tokens.
/// 2. If it still exceeds `maxLength`, cut each response to `maxLength` − prompt length.
/// 3. A pair whose prompt alone leaves no room for a response token is dropped.
///
/// The prompt of a tokenized sequence is everything before its first response (mask 1) token.
public struct Truncation: Sendable, Equatable {
    public var maxLength: Int
    public var maxPromptLength: Int

    public init(maxLength: Int, maxPromptLength: Int) {
        self.maxLength = maxLength
        self.maxPromptLength = maxPromptLength
    }

    /// Limits that can hold a prompt token and a response token. A `maxPromptLength` of `maxLength` or
    /// more is allowed (recipes do write it); pairs whose kept prompt fills `maxLength` are then dropped.
    public func validate() throws {
        guard maxLength >= 2 else { throw DatasetError.invalidLimits("max_length must be at least 2, got \(maxLength)") }
        guard maxPromptLength >= 1 else {
            throw DatasetError.invalidLimits("max_prompt_length must be at least 1, got \(maxPromptLength)")
        }
    }

    /// The truncated pair, or nil when the pair must be dropped (no response token would remain).
    public func apply(to pair: TokenizedPair) throws -> TokenizedPair? {
        let chosenPrompt = pair.chosenMask.firstIndex(of: true)!, rejectedPrompt = pair.rejectedMask.firstIndex(of: true)!
        let longer = max(pair.chosenIDs.count - chosenPrompt, pair.rejectedIDs.count - rejectedPrompt)
        func cut(_ ids: [Int], _ mask: [Bool], prompt: Int) -> (ids: [Int], mask: [Bool])? {
            var start = 0
            var keptPrompt = prompt
            if prompt + longer > maxLength, prompt > maxPromptLength {
                start = prompt - maxPromptLength
                keptPrompt = maxPromptLength
            }
            var end = ids.count
            if keptPrompt + longer > maxLength { end = min(end, prompt + (maxLength - keptPrompt)) }
            guard end > prompt, mask[prompt..<end].contains(true) else { return nil }
            return (Array(ids[start..<end]), Array(mask[start..<end]))
        }
        guard let chosen = cut(pair.chosenIDs, pair.chosenMask, prompt: chosenPrompt),
              let rejected = cut(pair.rejectedIDs, pair.rejectedMask, prompt: rejectedPrompt)
        else { return nil }
        return try TokenizedPair(
            chosenIDs: chosen.ids, chosenMask: chosen.mask, rejectedIDs: rejected.ids, rejectedMask: rejected.mask,
            chosenSafe: pair.chosenSafe, rejectedSafe: pair.rejectedSafe, source: pair.source)
    }
}
