/// The sanitizing step between a checkpoint's tensor names and `ParameterLayout`'s: it decides what each
/// stored name means before the strict load checks that every parameter is present exactly once.
///
/// GPT-2 checkpoints in the wild differ from the names we write: the original `gpt2` repository
/// stores `h.0.attn.c_attn.weight` and `wte.weight` without the `transformer.` prefix, older exports
/// carry the causal-mask buffers `h.N.attn.bias` and `h.N.attn.masked_bias`, and some store the tied
/// head as `lm_head.weight`. Other architectures would add their own mapping beside this one.
public enum CheckpointNames {
    /// What a stored tensor is to a GPT-2 model.
    public enum Role: Equatable, Sendable {
        /// A parameter, under its canonical `transformer.`-prefixed name (which may still be unknown to
        /// the layout; the loader decides that).
        case parameter(String)
        /// `lm_head.weight`: must equal `transformer.wte.weight`, since the head is tied.
        case languageModelHead
        /// A constant attention-mask buffer, not a parameter; skipped.
        case buffer
    }

    /// The role of the tensor stored under `name`.
    public static func role(of name: String) -> Role {
        if name == "lm_head.weight" { return .languageModelHead }
        let prefix = "transformer."
        let unprefixed = name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : name
        if isMaskBuffer(unprefixed) { return .buffer }
        return .parameter(prefix + unprefixed)
    }

    /// `h.<layer>.attn.bias` or `h.<layer>.attn.masked_bias` exactly; `h.<layer>.attn.c_attn.bias`
    /// and other real biases do not match.
    private static func isMaskBuffer(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "h" && !parts[1].isEmpty && parts[1].allSatisfy({ ("0"..."9").contains($0) })
            && parts[2] == "attn" && (parts[3] == "bias" || parts[3] == "masked_bias")
    }
}
