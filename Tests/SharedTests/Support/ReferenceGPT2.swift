import Foundation
@testable import Shared

/// A deliberately naive GPT-2 in Double: no BLAS, no packing, no blocking, no chunking — the textbook
/// formulas one sequence at a time, token by token. It is the oracle the fp32 model is checked against,
/// and its Double arithmetic makes central finite differences accurate to ~1e-9.
struct ReferenceGPT2 {
    let config: GPT2Config
    let layout: ParameterLayout

    init(config: GPT2Config) {
        self.config = config
        layout = ParameterLayout(config: config)
    }

    /// Σ over counted t of log softmax(logits[t−1])[ids[t]].
    func sequenceLogProb(parameters: [Double], ids: [Int], mask: [Bool]) -> Double {
        let rows = logits(parameters: parameters, ids: ids, through: mask.lastIndex(of: true).map { $0 - 1 } ?? -1)
        var total = 0.0
        for t in 1..<ids.count where mask[t] {
            let row = rows[t - 1], peak = row.max()!
            var sum = 0.0
            for value in row { sum += exp(value - peak) }
            total += row[ids[t]] - (peak + log(sum))
        }
        return total
    }

    /// The logits (V) at every position 0 ... `last` (default: every position) of `ids`.
    func logits(parameters: [Double], ids: [Int], through last: Int? = nil) -> [[Double]] {
        parameters.withUnsafeBufferPointer { logits(p: $0, ids: ids, through: last ?? ids.count - 1) }
    }

    private func logits(p: UnsafeBufferPointer<Double>, ids: [Int], through last: Int) -> [[Double]] {
        let C = config.embedding, H = config.heads, d = C / H, F = config.mlpWidth, T = ids.count
        let V = config.vocabulary, eps = Double(config.layerNormEpsilon)
        var x = [Double](repeating: 0, count: T * C)        // (T, C) residual stream
        var normed = [Double](repeating: 0, count: C)
        var qkv = [Double](repeating: 0, count: T * 3 * C)
        var attended = [Double](repeating: 0, count: C)
        var projected = [Double](repeating: 0, count: C)
        var hidden = [Double](repeating: 0, count: F)
        var scores = [Double](repeating: 0, count: T)
        for t in 0..<T {
            for c in 0..<C { x[t * C + c] = p[layout.wte + ids[t] * C + c] + p[layout.wpe + t * C + c] }
        }
        func layerNorm(_ row: Int, _ w: Int, _ b: Int) {
            var mean = 0.0, variance = 0.0
            for c in 0..<C { mean += x[row * C + c] }
            mean /= Double(C)
            for c in 0..<C { variance += (x[row * C + c] - mean) * (x[row * C + c] - mean) }
            variance /= Double(C)
            for c in 0..<C { normed[c] = (x[row * C + c] - mean) / (variance + eps).squareRoot() * p[w + c] + p[b + c] }
        }
        for block in layout.blocks {
            for t in 0..<T {
                layerNorm(t, block.ln1Weight, block.ln1Bias)
                for o in 0..<(3 * C) {
                    var sum = p[block.qkvBias + o]
                    for i in 0..<C { sum += normed[i] * p[block.qkvWeight + i * 3 * C + o] }
                    qkv[t * 3 * C + o] = sum
                }
            }
            for t in 0..<T {
                for c in 0..<C { attended[c] = 0 }
                for h in 0..<H {
                    var peak = -Double.infinity
                    for j in 0...t {
                        var dot = 0.0
                        for c in 0..<d { dot += qkv[t * 3 * C + h * d + c] * qkv[j * 3 * C + C + h * d + c] }
                        scores[j] = dot / Double(d).squareRoot()
                        peak = max(peak, scores[j])
                    }
                    var total = 0.0
                    for j in 0...t { scores[j] = exp(scores[j] - peak); total += scores[j] }
                    for j in 0...t {
                        for c in 0..<d { attended[h * d + c] += scores[j] / total * qkv[j * 3 * C + 2 * C + h * d + c] }
                    }
                }
                for o in 0..<C {
                    var sum = p[block.attnProjBias + o]
                    for i in 0..<C { sum += attended[i] * p[block.attnProjWeight + i * C + o] }
                    projected[o] = sum
                }
                for c in 0..<C { x[t * C + c] += projected[c] }
                layerNorm(t, block.ln2Weight, block.ln2Bias)
                for o in 0..<F {
                    var u = p[block.fcBias + o]
                    for i in 0..<C { u += normed[i] * p[block.fcWeight + i * F + o] }
                    hidden[o] = 0.5 * u * (1 + tanh((2 / Double.pi).squareRoot() * (u + 0.044715 * u * u * u)))
                }
                for o in 0..<C {
                    var sum = p[block.fcProjBias + o]
                    for i in 0..<F { sum += hidden[i] * p[block.fcProjWeight + i * C + o] }
                    x[t * C + o] += sum
                }
            }
        }
        var rows: [[Double]] = []
        if last >= 0 {
            for t in 0...last {
                layerNorm(t, layout.lnfWeight, layout.lnfBias)
                var row = [Double](repeating: 0, count: V)
                for v in 0..<V {
                    for c in 0..<C { row[v] += normed[c] * p[layout.wte + v * C + c] }
                }
                rows.append(row)
            }
        }
        return rows
    }
}
