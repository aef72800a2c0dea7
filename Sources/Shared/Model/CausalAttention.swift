/// Causal multi-head self-attention over packed sequences, forward and backward side by side
/// (HF GPT-2 eager attention: scores scaled by 1/√d, masked above the diagonal, softmax, weighted sum).
///
///     S = Q·Kᵀ/√d,  P = softmax_row(S) over j ≤ i,  Y = P·V
///
/// Each sequence attends only within itself. Rows are processed in blocks of `blockRows`; a block of
/// rows [r0, r1) only needs keys [0, r1), so the products never touch the upper triangle beyond the
/// block's own diagonal square and the softmax loops never visit it at all.
enum CausalAttention {
    static let blockRows = 64

    /// Scratch floats the backward pass needs: one block of dP for the longest sequence.
    static func scratchCount(longestSequence: Int) -> Int { blockRows * longestSequence }

    /// - Parameters:
    ///   - out: (N, C) per-head outputs side by side, before the output projection.
    ///   - probs: (H, Σ T²) attention probabilities per head and sequence (row-major T × T, zero above the
    ///     diagonal), kept for the backward pass.
    ///   - qkv: (N, 3C) rows of [q | k | v]; head h uses columns h·d ..< (h+1)·d of each.
    static func forward(
        out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>,
        batch: PackedBatch, heads H: Int, channels C: Int
    ) {
        let d = C / H, area = batch.attentionArea
        let scale = 1 / Float(d).squareRoot()
        var sequenceOffset = 0
        for s in 0..<batch.sequenceCount {
            let start = batch.sequenceStarts[s], T = batch.length(of: s)
            for h in 0..<H {
                let q = qkv + start * 3 * C + h * d, k = q + C, v = q + 2 * C
                let p = probs + h * area + sequenceOffset        // (T, T)
                let y = out + start * C + h * d                  // (T, d), row stride C
                var r0 = 0
                while r0 < T {
                    let r1 = min(r0 + blockRows, T)
                    let block = p + r0 * T
                    BLAS.sgemm(.none, .transpose, m: r1 - r0, n: r1, k: d, alpha: scale,
                               a: q + r0 * 3 * C, lda: 3 * C, b: k, ldb: 3 * C, beta: 0, c: block, ldc: T)
                    for i in r0..<r1 { softmaxCausalRow(p + i * T, through: i, width: r1) }
                    BLAS.sgemm(.none, .none, m: r1 - r0, n: d, k: r1,
                               a: block, lda: T, b: v, ldb: 3 * C, beta: 0, c: y + r0 * C, ldc: C)
                    r0 = r1
                }
            }
            sequenceOffset += T * T
        }
    }

    /// Overwrites `dQKV` with the gradient with respect to the packed [q | k | v] rows.
    ///
    ///     dP = dY·Vᵀ,  dV = Pᵀ·dY,  dS = P ⊙ (dP − rowsum(P ⊙ dP)),  dQ = dS·K/√d,  dK = dSᵀ·Q/√d
    static func backward(
        dQKV: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>, qkv: UnsafePointer<Float>,
        probs: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>,
        batch: PackedBatch, heads H: Int, channels C: Int
    ) {
        let d = C / H, area = batch.attentionArea
        let scale = 1 / Float(d).squareRoot()
        dQKV.update(repeating: 0, count: batch.tokenCount * 3 * C)
        var sequenceOffset = 0
        for s in 0..<batch.sequenceCount {
            let start = batch.sequenceStarts[s], T = batch.length(of: s)
            for h in 0..<H {
                let q = qkv + start * 3 * C + h * d, k = q + C, v = q + 2 * C
                let dq = dQKV + start * 3 * C + h * d, dk = dq + C, dv = dq + 2 * C
                let p = probs + h * area + sequenceOffset
                let dy = dOut + start * C + h * d
                var r0 = 0
                while r0 < T {
                    let r1 = min(r0 + blockRows, T), rows = r1 - r0
                    let block = p + r0 * T
                    let ds = scratch                              // (rows, r1), row stride r1
                    BLAS.sgemm(.none, .transpose, m: rows, n: r1, k: d,
                               a: dy + r0 * C, lda: C, b: v, ldb: 3 * C, beta: 0, c: ds, ldc: r1)
                    BLAS.sgemm(.transpose, .none, m: r1, n: d, k: rows,
                               a: block, lda: T, b: dy + r0 * C, ldb: C, beta: 1, c: dv, ldc: 3 * C)
                    for i in r0..<r1 {
                        let pRow = p + i * T, dRow = ds + (i - r0) * r1
                        let dot = VectorMath.dot(pRow, dRow, count: i + 1)
                        for j in 0...i { dRow[j] = pRow[j] * (dRow[j] - dot) }
                        for j in (i + 1)..<r1 { dRow[j] = 0 }
                    }
                    BLAS.sgemm(.none, .none, m: rows, n: d, k: r1, alpha: scale,
                               a: ds, lda: r1, b: k, ldb: 3 * C, beta: 1, c: dq + r0 * 3 * C, ldc: 3 * C)
                    BLAS.sgemm(.transpose, .none, m: r1, n: d, k: rows, alpha: scale,
                               a: ds, lda: r1, b: q + r0 * 3 * C, ldb: 3 * C, beta: 1, c: dk, ldc: 3 * C)
                    r0 = r1
                }
            }
            sequenceOffset += T * T
        }
    }

    /// Softmax of `row[0...last]` in place; entries `last+1 ..< width` are set to 0 so that the block's
    /// product with V ignores them.
    @inline(__always)
    private static func softmaxCausalRow(_ row: UnsafeMutablePointer<Float>, through last: Int, width: Int) {
        let peak = VectorMath.max(row, count: last + 1)
        let inverse = 1 / VectorMath.exponentiate(row, count: last + 1, shift: peak)
        for j in 0...last { row[j] *= inverse }
        for j in (last + 1)..<width { row[j] = 0 }
    }
}
