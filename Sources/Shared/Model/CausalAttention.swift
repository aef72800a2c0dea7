/// Causal multi-head self-attention over packed spans, forward and backward side by side (HF GPT-2 eager
/// attention: scores scaled by 1/√d, masked above the diagonal, softmax, weighted sum).
///
///     S = Q·Kᵀ/√d,  P = softmax_row(S) over the keys a row sees,  Y = P·V
///
/// A span's row i sees every row of its shared prefix and its own rows 0...i (`PackedBatch.Span`), so
/// its keys are two blocks, [K_prefix; K_own], and each product below is split in two at that seam; a
/// span without a prefix is plain causal attention. Rows are processed in blocks of `blockRows`: a
/// block of rows [r0, r1) only needs own keys [0, r1), so the products never touch the upper triangle
/// beyond the block's own diagonal square and the softmax loops never visit it at all.
///
/// One task per (group, head) runs on the compute pool: its writes are the group's rows in the head's
/// columns, disjoint from every other task's, and its arithmetic is the same on any thread.
enum CausalAttention {
    static let blockRows = 64

    /// Scratch floats the backward pass needs: one block of dP for the widest span, per pool thread.
    static func scratchCount(widestSpan: Int, threads: Int) -> Int { threads * blockRows * widestSpan }

    /// - Parameters:
    ///   - out: (N, C) per-head outputs side by side, before the output projection.
    ///   - probs: (H, A) attention probabilities per head and span (row-major count × width, the prefix's
    ///     columns first; zero above the diagonal within a block), kept for the backward pass.
    ///   - qkv: (N, 3C) rows of [q | k | v]; head h uses columns h·d ..< (h+1)·d of each.
    static func forward(
        out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>,
        batch: PackedBatch, heads H: Int, channels C: Int, pool: ComputePool
    ) {
        let d = C / H, area = batch.attentionArea
        let scale = 1 / Float(d).squareRoot()
        pool.run(batch.groupCount * H) { task, _ in
            let g = task / H, h = task % H
            for span in batch.spans[batch.groupSpanStarts[g]..<batch.groupSpanStarts[g + 1]] {
                let P = span.prefixCount, T = span.count, W = span.width
                let q = qkv + span.start * 3 * C + h * d, k = q + C, v = q + 2 * C
                let prefixK = qkv + span.prefixStart * 3 * C + h * d + C, prefixV = prefixK + C
                let p = probs + h * area + span.areaOffset       // (T, W)
                let y = out + span.start * C + h * d              // (T, d), row stride C
                var r0 = 0
                while r0 < T {
                    let r1 = min(r0 + blockRows, T), rows = r1 - r0
                    let block = p + r0 * W, queries = q + r0 * 3 * C
                    if P > 0 {
                        BLAS.sgemm(.none, .transpose, m: rows, n: P, k: d, alpha: scale,
                                   a: queries, lda: 3 * C, b: prefixK, ldb: 3 * C, beta: 0, c: block, ldc: W)
                    }
                    BLAS.sgemm(.none, .transpose, m: rows, n: r1, k: d, alpha: scale,
                               a: queries, lda: 3 * C, b: k, ldb: 3 * C, beta: 0, c: block + P, ldc: W)
                    for i in r0..<r1 { softmaxCausalRow(p + i * W, through: P + i, width: P + r1) }
                    if P > 0 {
                        BLAS.sgemm(.none, .none, m: rows, n: d, k: P,
                                   a: block, lda: W, b: prefixV, ldb: 3 * C, beta: 0, c: y + r0 * C, ldc: C)
                    }
                    BLAS.sgemm(.none, .none, m: rows, n: d, k: r1,
                               a: block + P, lda: W, b: v, ldb: 3 * C, beta: P > 0 ? 1 : 0, c: y + r0 * C, ldc: C)
                    r0 = r1
                }
            }
        }
    }

    /// Overwrites `dQKV` with the gradient with respect to the packed [q | k | v] rows; a shared prefix's
    /// keys and values collect the gradient of every span that sees them.
    ///
    ///     dP = dY·Vᵀ,  dV = Pᵀ·dY,  dS = P ⊙ (dP − rowsum(P ⊙ dP)),  dQ = dS·K/√d,  dK = dSᵀ·Q/√d
    static func backward(
        dQKV: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>, qkv: UnsafePointer<Float>,
        probs: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>,
        batch: PackedBatch, heads H: Int, channels C: Int, pool: ComputePool
    ) {
        let d = C / H, area = batch.attentionArea
        let scale = 1 / Float(d).squareRoot()
        pool.run(batch.groupCount * H) { task, slot in
            let g = task / H, h = task % H
            for row in batch.rows(ofGroup: g) {
                for part in 0..<3 { (dQKV + row * 3 * C + part * C + h * d).update(repeating: 0, count: d) }
            }
            let ds = scratch + slot * blockRows * batch.widestSpan
            for span in batch.spans[batch.groupSpanStarts[g]..<batch.groupSpanStarts[g + 1]] {
                let P = span.prefixCount, T = span.count, W = span.width
                let q = qkv + span.start * 3 * C + h * d, k = q + C, v = q + 2 * C
                let dq = dQKV + span.start * 3 * C + h * d, dk = dq + C, dv = dq + 2 * C
                let prefixK = qkv + span.prefixStart * 3 * C + h * d + C, prefixV = prefixK + C
                let dPrefixK = dQKV + span.prefixStart * 3 * C + h * d + C, dPrefixV = dPrefixK + C
                let p = probs + h * area + span.areaOffset
                let dy = dOut + span.start * C + h * d
                var r0 = 0
                while r0 < T {
                    let r1 = min(r0 + blockRows, T), rows = r1 - r0, w = P + r1
                    let block = p + r0 * W, queries = q + r0 * 3 * C, dBlock = dy + r0 * C  // ds: (rows, w)
                    if P > 0 {
                        BLAS.sgemm(.none, .transpose, m: rows, n: P, k: d,
                                   a: dBlock, lda: C, b: prefixV, ldb: 3 * C, beta: 0, c: ds, ldc: w)
                        BLAS.sgemm(.transpose, .none, m: P, n: d, k: rows,
                                   a: block, lda: W, b: dBlock, ldb: C, beta: 1, c: dPrefixV, ldc: 3 * C)
                    }
                    BLAS.sgemm(.none, .transpose, m: rows, n: r1, k: d,
                               a: dBlock, lda: C, b: v, ldb: 3 * C, beta: 0, c: ds + P, ldc: w)
                    BLAS.sgemm(.transpose, .none, m: r1, n: d, k: rows,
                               a: block + P, lda: W, b: dBlock, ldb: C, beta: 1, c: dv, ldc: 3 * C)
                    for i in r0..<r1 {
                        let pRow = p + i * W, dRow = ds + (i - r0) * w, seen = P + i + 1
                        let dot = VectorMath.dot(pRow, dRow, count: seen)
                        for j in 0..<seen { dRow[j] = pRow[j] * (dRow[j] - dot) }
                        for j in seen..<w { dRow[j] = 0 }
                    }
                    if P > 0 {
                        BLAS.sgemm(.none, .none, m: rows, n: d, k: P, alpha: scale,
                                   a: ds, lda: w, b: prefixK, ldb: 3 * C, beta: 1, c: dq + r0 * 3 * C, ldc: 3 * C)
                        BLAS.sgemm(.transpose, .none, m: P, n: d, k: rows, alpha: scale,
                                   a: ds, lda: w, b: queries, ldb: 3 * C, beta: 1, c: dPrefixK, ldc: 3 * C)
                    }
                    BLAS.sgemm(.none, .none, m: rows, n: d, k: r1, alpha: scale,
                               a: ds + P, lda: w, b: k, ldb: 3 * C, beta: 1, c: dq + r0 * 3 * C, ldc: 3 * C)
                    BLAS.sgemm(.transpose, .none, m: r1, n: d, k: rows, alpha: scale,
                               a: ds + P, lda: w, b: queries, ldb: 3 * C, beta: 1, c: dk, ldc: 3 * C)
                    r0 = r1
                }
            }
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
