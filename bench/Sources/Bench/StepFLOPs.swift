import Shared

/// An analytic count of the floating-point operations (one multiply-add = 2) of one BFPO step as the
/// Swift model performs it: matrix products only. LayerNorm, GELU, softmax, the log-sum-exp and the
/// embedding are O(N·C) or O(M·V) element-wise work and are left out (their time still counts).
///
/// With N rows in the step (a pair's shared prompt counts once), L layers, C channels, F = 4C MLP width,
/// V vocabulary, M counted positions (response tokens, whose log-prob is computed):
///
///     layer matmuls, forward   2·N·(C·3C + C·C + 2·C·F)          per layer (qkv, attn proj, fc, fc proj)
///     layer matmuls, backward  2 × forward                        (dX = dY·Wᵀ and dW = Xᵀ·dY)
///     attention, forward       2 products · 2·d·B · H = 4·C·B     per layer (Q·Kᵀ, P·V)
///     attention, backward      4 products · 2·d·B · H = 8·C·B     per layer (dP, dV, dQ, dK)
///     LM head, forward         2·M·C·V                            (logits at counted positions only)
///     LM head, backward        3 × forward                        (logit recompute, dHidden, dWTE)
///
/// B is the causal area the blocked attention multiplies: `CausalAttention` walks each span of T own rows
/// in row blocks of 64, and a block [r0, r1) multiplies against the span's P shared prefix keys and its
/// own keys [0, r1), so B = Σ_spans Σ_blocks (r1 − r0)·(P + r1) — for an unshared sequence a bit more than
/// the causal half T²/2 (40 960 vs 32 768 at T = 256).
struct StepFLOPs {
    var layerMatmuls: Double
    var attention: Double
    var head: Double
    var total: Double { layerMatmuls + attention + head }

    /// Mirrors `CausalAttention.blockRows` (internal to Shared).
    static let attentionBlockRows = 64

    init(config: GPT2Config, batch: PackedBatch) {
        let L = Double(config.layers), C = Double(config.embedding), F = Double(config.mlpWidth)
        let V = Double(config.vocabulary)
        let N = Double(batch.tokenCount), M = Double(batch.countedCount)
        let B = Double(batch.spans.map { Self.blockedCausalArea(rows: $0.count, prefix: $0.prefixCount) }.reduce(0, +))
        let layerForward = 2 * N * (C * 3 * C + C * C + 2 * C * F)
        layerMatmuls = L * 3 * layerForward
        attention = L * (4 * C * B + 8 * C * B)
        head = 4 * (2 * M * C * V)
    }

    /// Σ over row blocks of (rows in block) × (keys the block sees) for a span of T rows after P prefix rows.
    static func blockedCausalArea(rows T: Int, prefix P: Int) -> Int {
        var area = 0, r0 = 0
        while r0 < T {
            let r1 = min(r0 + attentionBlockRows, T)
            area += (r1 - r0) * (P + r1)
            r0 = r1
        }
        return area
    }
}
